"""Seula's own Presidio recognizers, one per file, usable by any Presidio user as they are."""

from privacy.recognizers.cards_and_emails import SeulaCreditCardRecognizer, SeulaEmailRecognizer
from privacy.recognizers.first_names import FirstNameRecognizer
from privacy.recognizers.iban import SeulaIbanRecognizer
from privacy.recognizers.mention import MentionRecognizer
from privacy.recognizers.model_names import ModelNameRecognizer
from privacy.recognizers.names import KeyedNameRecognizer
from privacy.recognizers.phone import SeulaPhoneRecognizer
from privacy.recognizers.political import PoliticalAffiliationRecognizer

__all__ = [
    "FirstNameRecognizer", "KeyedNameRecognizer", "MentionRecognizer", "ModelNameRecognizer", "PoliticalAffiliationRecognizer",
    "SeulaCreditCardRecognizer", "SeulaEmailRecognizer", "SeulaIbanRecognizer", "SeulaPhoneRecognizer",
]

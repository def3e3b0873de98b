"""Seula's own Presidio recognizers, one per file, usable by any Presidio user as they are."""

from seula.privacy.recognizers.cards_and_emails import SeulaCreditCardRecognizer, SeulaEmailRecognizer
from seula.privacy.recognizers.first_names import FirstNameRecognizer
from seula.privacy.recognizers.iban import SeulaIbanRecognizer
from seula.privacy.recognizers.mention import MentionRecognizer
from seula.privacy.recognizers.model_names import ModelNameRecognizer
from seula.privacy.recognizers.names import KeyedNameRecognizer
from seula.privacy.recognizers.phone import SeulaPhoneRecognizer
from seula.privacy.recognizers.political import PoliticalAffiliationRecognizer

__all__ = [
    "FirstNameRecognizer", "KeyedNameRecognizer", "MentionRecognizer", "ModelNameRecognizer", "PoliticalAffiliationRecognizer",
    "SeulaCreditCardRecognizer", "SeulaEmailRecognizer", "SeulaIbanRecognizer", "SeulaPhoneRecognizer",
]

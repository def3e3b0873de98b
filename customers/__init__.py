"""The customer and marketing register: contacts imported from the CRM, their relationship, notes, marketing consent and retention."""

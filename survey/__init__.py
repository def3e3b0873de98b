"""The survey participants register: respondents' contacts kept apart from their answers, tables with disclosure control."""

"""The paperwork of the three registers: privacy notices and the Art. 30 record, from data/sample/registers.yaml."""

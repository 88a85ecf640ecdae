"""Files made for organisers: spreadsheets, dossiers."""

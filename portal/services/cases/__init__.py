"""The case register: creating and editing cases (register), their timeline, sources and
submissions (records), the validation rules they share (rules), the change log partners are
told about (changes), duplicates and merges, curation (saved filters, facilities), the
search index, spreadsheet imports, streaming exports, and the synthetic-case generator with
its labelled search-quality set."""

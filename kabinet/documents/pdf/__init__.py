"""PDF documents drawn with ReportLab: receipts, invoices, reconciliation statements.

Each renderer takes plain data and a language and returns the PDF's bytes; views and the
cache (kabinet.documents.cache) decide who gets them.
"""

"""Talking to the flowscope service over HTTP: shared by the metadata provider (metastore/http.py)
and the blob-proxy backend (datastore/http.py), so neither of those layers imports the other.

transport.py    HttpTransport: one bounded round trip, keep-alive connections, retries, errors
bounded.py      reading an answer within a total deadline and a size bound
urls.py         parsing service URLs; addresses shown without credentials
wire.py         the one table of error types on the wire: name, HTTP status, error class
"""

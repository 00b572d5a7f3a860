"""App-layer Streamlit helpers: the shared filter sidebar and caches over ``geo`` calls.

Only the app (``app.py``, ``views/``) imports this package; ``geo`` never imports
Streamlit. Streamlit caches live here and nowhere else.
"""

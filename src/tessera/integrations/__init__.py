"""Readers for what frameworks hand to callbacks (LiteLLM, LangChain).

Nothing here imports the framework: each module reads the plain arguments a
framework passes, so Tessera works whether or not the framework is installed.
"""

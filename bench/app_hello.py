"""B1: a minimal Flask application with one route, ``/hello``."""

from flask import Flask

app = Flask("bench_hello")


@app.get("/hello")
def hello():
    return "Hello, World!"

"""kerascheck: a linter that finds Keras training bugs before `model.fit` does."""

__version__ = "0.1.0"

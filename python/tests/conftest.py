import sys
from pathlib import Path

# The SDK is imported from the source tree, under CPython.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

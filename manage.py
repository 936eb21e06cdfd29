#!/usr/bin/env python
"""Django's command-line utility; `arrears` is the same with a friendlier name."""

from arrears.cli.main import main

if __name__ == "__main__":
    main()

"""Start the web chat: ``python app.py`` (or ``make run``). All logic lives in qa.web."""

from qa.web import main

if __name__ == "__main__":
    main()

.PHONY: run test test-fast translations

run:            ## start the portal (web + task consumer) with demo data
	bash scripts/start.sh

test:           ## the whole suite, SQLite then PostgreSQL + Redis
	bash scripts/test.sh

test-fast:      ## quick feedback: SQLite only, no slow or browser tests
	bash scripts/install.sh test && .venv/bin/python -m pytest -p no:cacheprovider -n 2 -m "not slow and not browser"

translations:   ## re-extract messages and merge them into the catalogues (then translate the empty ones)
	.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext --project icp-portal --version 0.1.0 --copyright-holder icp-portal -o translations/messages.pot . >/dev/null
	.venv/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete >/dev/null
	.venv/bin/pybabel compile -d translations --statistics

.PHONY: run test test-fast lint

run:            ## start the portal (web + task consumer) with demo data
	bash scripts/start.sh

test:           ## the whole suite, SQLite then PostgreSQL + Redis
	bash scripts/test.sh

test-fast:      ## quick feedback: SQLite only, no slow or browser tests
	bash scripts/install.sh test && .venv/bin/python -m pytest -p no:cacheprovider -n 2 -m "not slow and not browser"

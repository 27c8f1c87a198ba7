# Two commands: `make run` (demo on 127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# QR codes, posters and SMS links point here; the address `make run` serves unless set otherwise.
export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
DEMO_PASSWORD ?= minsheng2026
DEMO_DEMANDS ?= 3000
export DEBUG ?= 1

.PHONY: install run test messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The classifier is built with the code, never in a request (demands/classify.py); again when its corpus or the
# installed libraries change.
export CLASSIFIER_PATH ?= $(CURDIR)/var/classifier.joblib
$(CLASSIFIER_PATH): $(VENV)/.installed demands/corpus/labelled.jsonl
	$(PY) manage.py train_classifier --output $@

install: $(VENV)/.installed node_modules/.installed $(CLASSIFIER_PATH)

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_bazhou --password "$(DEMO_PASSWORD)" --demands $(DEMO_DEMANDS) --if-empty
	@$(PY) manage.py demo_logins --password "$(DEMO_PASSWORD)" --url "http://$(HOST):$(PORT)/"
	@echo "Celery worker and beat log to var/celery-worker.log and var/celery-beat.log"
	@trap 'kill 0' EXIT INT TERM; \
	$(VENV)/bin/celery -A portal worker --loglevel=INFO --concurrency=2 --logfile=var/celery-worker.log & \
	$(VENV)/bin/celery -A portal beat --loglevel=INFO --schedule=var/celerybeat-schedule --logfile=var/celery-beat.log & \
	$(PY) manage.py runserver $(HOST):$(PORT)

# One worker per core; each test module stays on one worker, so its module fixtures are built once.
# One worker more than there are cores: a worker often waits on the browser or on a benchmark's subprocesses.
# Each test module runs on one worker (module fixtures seed once); xdist hands out the largest modules first.
TEST_WORKERS ?= $(shell echo $$(( $$(nproc 2>/dev/null || echo 1) + 1 )))

test: install
	DEBUG=0 $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

messages: install
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --add-location file -i ".venv/*" -i "node_modules/*"
	$(PY) manage.py compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) node_modules var staticfiles

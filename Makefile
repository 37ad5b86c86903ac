# Every target installs what it needs first (scripts/bootstrap.sh: .venv, Debian packages
# when missing) and starts the servers it needs on free loopback ports, stopping them after.
.PHONY: demo test install lint unit clean

install:
	@bash scripts/bootstrap.sh

# the seed's workflow (playbooks/site.yml) on the local stack; prints the repository URL and the registry address
demo:
	@echo "== installing what is missing (Debian's docker.io and docker-registry; .venv with ansible, boto3, moto):"
	@echo "   the first time this takes a minute or two and prints little; later it only checks"
	@$(MAKE) --no-print-directory install
	@bash scripts/demo.sh

# the whole suite: lint, unit, integration (ansible-playbook against the stack), ansible-test sanity
test: install
	@bash scripts/test.sh

lint: install
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

unit: install
	@.venv/bin/python -m pytest tests/unit -q

clean:
	rm -rf .venv .stack .pytest_cache .ruff_cache tests/output

# the repository settings into ecr_repositories' suboptions, then the module and role docs, rendered
# with antsibull-docs into docs/reference/ (commit the result; tests fail when either is stale)
.PHONY: docs
docs: install
	@.venv/bin/python scripts/render_settings_docs.py
	@.venv/bin/python tests/packaging/render_docs.py

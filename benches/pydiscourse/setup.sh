#!/usr/bin/env bash
# Setup for the pydiscourse comparison (benches/pydiscourse/compare.sh): a venv in
# benches/pydiscourse/.venv with pydiscourse pinned. Only this benchmark needs it; `cargo test`
# does not. Needs python3 with the venv module and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")"
python3 -m venv .venv
# pydiscourse and what pip resolved for it on 2026-12-02, pinned (requests does the HTTP).
.venv/bin/pip install --quiet pydiscourse==1.7.0 requests==2.34.2 urllib3==2.8.0 \
    idna==3.20 charset-normalizer==3.5.3 certifi==2026.10.19.post1
# A check that the install imports.
.venv/bin/python -c 'import pydiscourse, requests; print("pydiscourse", pydiscourse.__version__, "requests", requests.__version__)'

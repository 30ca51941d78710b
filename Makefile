# graphlab — two commands on a fresh machine: `make test` and `make demo`.
PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
GRAPHLAB := $(VENV)/bin/graphlab
STAMP    := $(VENV)/.graphlab-installed
SHARED   ?= ../shared
PROFILE  ?= full
JOBS     ?= 1
PYTEST_ARGS ?=

# Use the offline dataset mirror when it sits beside the checkout (CI does the same).
ifneq ($(wildcard $(SHARED)/data),)
export GRAPHLAB_MIRROR ?= $(abspath $(SHARED)/data)
endif

.PHONY: install test demo lint clean results results-check gpu-check reproduce-% reproduce-expressiveness reproduce-expressiveness-trained reproduce-tu-tuned reproduce-gin-attention reproduce-virtual-nodes

install: $(STAMP)

# Re-runs only when the package metadata changes: the stamp records a finished install.
$(STAMP): setup.cfg pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade-strategy only-if-needed torch==2.13.0
	$(PY) -m pip install -e '.[dev,triton,ray,tune]'
	if [ -d $(SHARED)/wheels ]; then \
	  $(PY) -m pip install --find-links $(SHARED)/wheels torch-scatter==2.1.2; fi
	touch $(STAMP)

test: $(STAMP)
	$(VENV)/bin/ruff check graphlab tests benchmarks
	$(PY) -m pytest -q $(PYTEST_ARGS)

# on a machine with a CUDA GPU: GPU tests, Triton kernels, bench ops, one NCN / SSWL+ epoch
gpu-check: $(STAMP)
	$(PY) benchmarks/gpu_check.py --out results/gpu_check.json

# one short computation per paper (graphlab/studies/demo.py): a table and results/demo/demo.png
demo: $(STAMP)
	$(GRAPHLAB) demo --out results/demo

# make reproduce-<paper> [PROFILE=full|smoke] runs experiments/<paper>/*.yaml
reproduce-%: $(STAMP)
	@test -d experiments/$* || { echo "no experiments/$* folder"; exit 2; }
	$(GRAPHLAB) run experiments/$* --profile $(PROFILE) --out results/$*/$(PROFILE) --jobs $(JOBS)
	$(GRAPHLAB) report results/$*/$(PROFILE) --plot results/$*/$(PROFILE)/report.png $(REPORT_ARGS_$*)

# extra report tables per experiment folder: overall / long horizons, then MAE, RMSE, MAPE
# at horizon steps 3, 6, 12, 18, 24 (15 min … 2 h)
STEPS := 3 6 12 18 24
REPORT_ARGS_virtual_nodes := \
  --metrics test_mae test_rmse test_mape test_mae_long test_rmse_long test_mape_long \
  --metrics $(foreach k,$(STEPS),test_mae@$(k)) \
  --metrics $(foreach k,$(STEPS),test_rmse@$(k)) \
  --metrics $(foreach k,$(STEPS),test_mape@$(k))

# GIN-attention (experiments/gin_attention): LM from scratch, Sparse-GIN vs LoRA, graph transformers
reproduce-gin-attention: reproduce-gin_attention

# Virtual nodes / semi-adaptive adjacency on LOS-loop (experiments/virtual_nodes)
reproduce-virtual-nodes: reproduce-virtual_nodes

# GIN on the TU datasets with per-dataset selection (experiments/tu/tuned): graphlab tune runs
# lr {0.01, 0.001} x dropout {0, 0.5} and chooses on the fold-averaged validation accuracy
reproduce-tu-tuned: $(STAMP)
	for f in experiments/tu/tuned/*.yaml; do \
	  $(GRAPHLAB) tune $$f --profile $(PROFILE) --out results/tu_tuned/$(PROFILE) --jobs $(JOBS) || exit 1; done

# EXP, SR25 and BREC separation for GIN, GIN + SPE and every SWL preset (graphlab's protocol:
# models at random initialisation); smoke: SR25 and BREC's basic pairs only
EXPR_ARGS_full  := --wl
EXPR_ARGS_smoke := --benchmarks sr25 brec --categories basic --wl
reproduce-expressiveness: $(STAMP)
	$(GRAPHLAB) expressiveness $(EXPR_ARGS_$(PROFILE)) --out results/expressiveness/$(PROFILE)/expressiveness.json

# BREC's trained protocol (each model trained on each pair before its test) for GIN + SPE and
# three SWL presets; smoke: BREC's basic pairs, 2 training epochs. Resumes from its journal.
EXPR_TRAIN_MODELS := 'GIN+SPE' 'SWL(VS)' 'GSWL' 'SSWL+'
EXPR_TRAIN_ARGS_full  :=
EXPR_TRAIN_ARGS_smoke := --categories basic --train-epochs 2
reproduce-expressiveness-trained: $(STAMP)
	$(GRAPHLAB) expressiveness --models $(EXPR_TRAIN_MODELS) --benchmarks brec --train \
	  $(EXPR_TRAIN_ARGS_$(PROFILE)) --out results/expressiveness/$(PROFILE)/trained.json

# RESULTS.md's tables are generated from the committed records under records/
results: $(STAMP)
	$(GRAPHLAB) results RESULTS.md README.md

results-check: $(STAMP)
	$(GRAPHLAB) results RESULTS.md README.md --check

lint: $(STAMP)
	$(VENV)/bin/ruff check graphlab tests benchmarks

clean:
	rm -rf results .pytest_cache

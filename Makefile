# The two commands a newcomer needs (see README.md). Both install what they need themselves.
.PHONY: demo test wasm bench
demo:
	scripts/demo.sh
test:
	scripts/test.sh
wasm:
	scripts/build-wasm.sh
bench:
	scripts/bench.sh

# Build, install and test gosystemd. `make install DESTDIR=DIR` installs only
# the tools that are complete drop-ins (gosystemd --install-paths), at
# systemd's own paths on Debian bookworm (merged /usr), as hard links of the
# one multicall binary; the executor PID 1 starts for every command is also
# built alone (cmd/systemd-executor), a smaller binary that starts faster.
GO ?= go
BUILD ?= build
DESTDIR ?=
export CGO_ENABLED = 0

.PHONY: build install test demo image clean

build:
	$(GO) build -trimpath -o $(BUILD)/gosystemd ./cmd/gosystemd
	$(GO) build -trimpath -o $(BUILD)/systemd-executor ./cmd/systemd-executor
	$(GO) build -trimpath -o $(BUILD)/difftest ./cmd/difftest

install: build
	@set -e; first=; \
	for p in $$($(BUILD)/gosystemd --install-paths); do \
	  install -d "$(DESTDIR)/$$(dirname $$p)"; \
	  if [ -z "$$first" ]; then \
	    install -m 0755 $(BUILD)/gosystemd "$(DESTDIR)/$$p"; first="$(DESTDIR)/$$p"; \
	  else \
	    ln -f "$$first" "$(DESTDIR)/$$p"; \
	  fi; \
	done; \
	if [ -e "$(DESTDIR)/usr/lib/systemd/systemd" ]; then \
	  install -m 0755 $(BUILD)/systemd-executor "$(DESTDIR)/usr/lib/systemd/systemd-executor"; \
	fi

image:
	vmimages/rootfs.sh

test:
	ci/test.sh

demo:
	ci/demo.sh

clean:
	rm -rf $(BUILD)

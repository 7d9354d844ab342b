# PROXY protocol and persistence for IPv6 conns (issue 15, part v6-pp).

# Included before the top Makefile's `all`: keep it the default goal.
.DEFAULT_GOAL := all

# FullNAT64 puts the PROXY header on its IPv4 side (ipvs/pp_xmit.c):
# the golden test links the real header code next to ipvs_xmit64.o.
$(BUILD)/tests/test_ipvs_golden64: $(BUILD)/obj/dpvs/src/ipvs/pp_xmit.o \
		$(BUILD)/obj/dpvs/src/ipvs/proxy_proto.o

# criu-guest.sh - what the criu lane runs in the v2 lane's guest (sourced by its init through
# V2LANE_GUEST; `suite` and `info` come from there). See tools/criu-lane.sh.
info "criu: $(criu --version 2>&1 | head -n1), criu check: $(criu check 2>&1 | tail -n1)"
suite checkpoint env HULL_BINARY=/lane/hull HULL_PROBE=/lane/probe \
    /lane/hull-spec --use-colour no "${CRIU_LANE_TAGS:-[checkpoint],[criu]}"

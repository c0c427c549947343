# The values side with the real Helm 3.18.0 and 4.1.4: `polyaxon-pr schema` as the
# values.schema.json of a chart shaped like Polyaxon chart 0.4.2 (tests/charts/polyaxon-values),
# and the value flags read exactly as Helm reads them (tests/charts/values-echo prints `.Values`).

POLYAXON_VALUES_CHART=${E2E_ROOT:-.}/tests/charts/polyaxon-values
ECHO_CHART=${E2E_ROOT:-.}/tests/charts/values-echo

# chart_with_schema DIR: a copy of the 0.4.2-shaped chart in DIR/chart, carrying our schema.
chart_with_schema() {
    cp -r "$POLYAXON_VALUES_CHART" "$1/chart"
    polyaxon-pr schema >"$1/chart/values.schema.json"
}

test_schema_accepts_the_charts_defaults_and_every_valid_values_file() {
    local dir helm file
    dir=$(scratch)
    chart_with_schema "$dir"
    for helm in "$HELM3" "$HELM4"; do
        helm_home "$dir/$(basename "$(dirname "$helm")")"
        assert_status 0 "$helm" lint "$dir/chart"
        assert_status 0 "$helm" template polyaxon "$dir/chart"
        for file in "$E2E_ROOT"/tests/values/valid/*.yaml; do
            assert_status 0 "$helm" lint "$dir/chart" -f "$file"
            assert_status 0 "$helm" template polyaxon "$dir/chart" -f "$file"
        done
        assert_status 0 "$helm" template polyaxon "$dir/chart" --set persistence.enabled=false,email.host=email
    done
}

test_schema_rejects_typos_and_wrong_types() {
    local dir helm
    dir=$(scratch)
    chart_with_schema "$dir"
    printf 'serviceTyp: ClusterIP\n' >"$dir/typo.yaml"
    printf 'allowedHosts: "x"\n' >"$dir/hosts.yaml"
    printf 'api:\n  replicas: two\n' >"$dir/replicas.yaml"
    for helm in "$HELM3" "$HELM4"; do
        helm_home "$dir/$(basename "$(dirname "$helm")")"
        assert_status 1 "$helm" template polyaxon "$dir/chart" -f "$dir/typo.yaml"
        assert_contains "$LAST_OUT" "serviceTyp"
        assert_status 1 "$helm" lint "$dir/chart" -f "$dir/typo.yaml"
        assert_status 1 "$helm" template polyaxon "$dir/chart" -f "$dir/hosts.yaml"
        assert_contains "$LAST_OUT" "allowedHosts"
        assert_status 1 "$helm" template polyaxon "$dir/chart" -f "$dir/replicas.yaml"
        assert_contains "$LAST_OUT" "replicas"
    done
}

# helm_values HELM ARGS...: `.Values` as Helm merged them from ARGS, as sorted JSON.
helm_values() {
    local helm=$1
    shift
    "$helm" template echo "$ECHO_CHART" "$@" | "$TOOLS_VENV/bin/python" -c '
import sys, yaml
doc = yaml.safe_load(sys.stdin.read().split("\n---", 1)[-1])
print(doc["data"]["values.json"])'
}

# sorted_json: stdin's JSON with its keys sorted, one line.
sorted_json() {
    "$TOOLS_VENV/bin/python" -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'
}

test_value_flags_read_as_helm_reads_them() {
    local dir helm case ours theirs
    dir=$(scratch)
    printf 'a: 1\nkeep: {x: 1, y: [1, 2]}\nnulled: 1\n' >"$dir/base.yaml"
    printf 'multi\nline,with=commas\n' >"$dir/file.txt"
    local -a cases=(
        "--set a=null,b.c=null,d=1,e=0,f=007,g=TRUE,h=1.5,i={x,y},j[1]=z,k=a\\,b"
        "--set-string a=1,b=true,c=null"
        "--set-json a.b=null,a.c=[1,2.5] --set-json e=[1,{\"f\":null}],g=,h=\"s\""
        "--set-literal a=x,y=z\\w --set-literal b.c={1}"
        "--set-file a=$dir/file.txt,b[0]=$dir/file.txt"
        "-f $dir/base.yaml --set-literal a=L --set a=S --set-string a=T --set-json a=1 --set nulled=null"
        "-f $dir/base.yaml --set keep.x=null --set-json keep={\"z\":3}"
    )
    # A whole JSON object: Helm 4 merges it as a values file; Helm 3.18 refuses it (it reads it
    # as key=value). polyaxon-pr reads it as Helm 4 does.
    local object='{"a":{"b":null,"c":[1,2.5]},"d":"x"}'
    helm_home "$dir/helm3-object"
    assert_status 1 "$HELM3" template echo "$ECHO_CHART" --set-json "$object"
    helm_home "$dir/helm4-object"
    theirs=$(helm_values "$HELM4" -f "$dir/base.yaml" --set-json "$object" | sorted_json)
    ours=$(polyaxon-pr values -f "$dir/base.yaml" --set-json "$object" | sorted_json)
    assert_eq "$ours" "$theirs" "Helm 4 --set-json with a JSON object"
    for helm in "$HELM3" "$HELM4"; do
        helm_home "$dir/$(basename "$(dirname "$helm")")"
        for case in "${cases[@]}"; do
            # shellcheck disable=SC2086 # each case is a list of arguments without spaces
            theirs=$(helm_values "$helm" $case | sorted_json) || fail "helm template $case"
            # shellcheck disable=SC2086
            ours=$(polyaxon-pr values $case | sorted_json) || fail "polyaxon-pr values $case"
            assert_eq "$ours" "$theirs" "$(basename "$helm") $case"
        done
    done
}

test_values_from_stdin_are_refused_with_a_reason() {
    assert_status 2 polyaxon-pr -f - </dev/null
    assert_contains "$LAST_OUT" "values are not read from stdin"
}

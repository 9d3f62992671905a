#!/usr/bin/env bash
# Validates the Kubernetes manifests in deploy/kubernetes (or the directory
# given as the first argument) without a cluster:
#   - every resource against the Kubernetes OpenAPI schemas, strictly
#     (unknown fields are errors), with the PyPI package kubernetes-validate;
#     a kind or apiVersion it has no schema for is an error too (the tool
#     itself only warns);
#   - kustomization.yaml (not a resource) lists files that exist, and every
#     manifest in the directory is listed (and, where kubectl is installed,
#     `kubectl kustomize` builds);
#   - the ConfigMap's fasterapi.toml is TOML, and its ports, data_dir and
#     path agree with the Deployment.
# Exits non-zero on any failure.
#
#   deploy/validate.sh [DIR]
#   VENV=/path/to/venv  where kubernetes-validate is (installed if missing;
#                       default: .venv at the repository root)
#   KUBERNETES_VERSION  the API version validated against (default 1.33)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$root/deploy/kubernetes}
venv=${VENV:-$root/.venv}
validator_version=1.37.0
kubernetes_version=${KUBERNETES_VERSION:-1.33}

[[ -d $dir ]] || { echo "validate.sh: no directory $dir" >&2; exit 2; }

# The validator, pinned: its schemas change with its version.
if [[ "$("$venv/bin/kubernetes-validate" --version 2>/dev/null)" != "$validator_version" ]]; then
    [[ -x $venv/bin/python ]] || "${PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "kubernetes-validate==$validator_version"
fi
python=$venv/bin/python

failed=0
fail() { echo "FAIL $*"; failed=1; }

# kustomization.yaml: what `kubectl apply -k` applies.
kustomization=$dir/kustomization.yaml
if [[ -f $kustomization ]]; then
    listed=$("$python" - "$kustomization" <<'EOF'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1])) or {}
for resource in doc.get("resources") or []:
    print(resource)
EOF
    ) || { fail "$kustomization: not YAML"; listed=""; }
    for resource in $listed; do
        [[ -e $dir/$resource ]] || fail "$kustomization lists $resource, which does not exist"
    done
    for file in "$dir"/*.yaml "$dir"/*.yml; do
        [[ -e $file && $file != "$kustomization" ]] || continue
        grep -qxF "$(basename "$file")" <<<"$listed" ||
            fail "$file is not listed in kustomization.yaml: kubectl apply -k would skip it"
    done
else
    fail "$dir has no kustomization.yaml"
fi

# Where kubectl is installed, what `kubectl apply -k` would send must build.
if command -v kubectl >/dev/null && [[ -f $kustomization ]]; then
    if built=$(kubectl kustomize "$dir" 2>&1); then
        echo "INFO kubectl kustomize $dir: $(grep -c '^kind:' <<<"$built") resources"
    else
        fail "kubectl kustomize $dir: $built"
    fi
fi

# Every resource against the schemas, file by file (a YAML syntax error
# stops the tool at that file).
manifests=()
for file in "$dir"/*.yaml "$dir"/*.yml; do
    [[ -e $file && $file != "$kustomization" ]] && manifests+=("$file")
done
[[ ${#manifests[@]} -gt 0 ]] || fail "no manifests in $dir"
for file in "${manifests[@]}"; do
    set +e
    output=$("$venv/bin/kubernetes-validate" --strict -k "$kubernetes_version" "$file" 2>&1)
    status=$?
    set -e
    [[ -n $output ]] && echo "$output"
    if [[ $status -ne 0 ]]; then
        fail "$file: kubernetes-validate exited $status"
    elif grep -q '^WARN' <<<"$output"; then
        fail "$file: a resource with no schema (a misspelt kind or apiVersion?)"
    elif ! grep -q '^INFO .* passed' <<<"$output"; then
        fail "$file: holds no resource"
    fi
done

# The host's manifest against the Deployment that runs it.
"$python" - "${manifests[@]}" <<'EOF' || failed=1
import sys, tomllib, yaml

resources = []
for path in sys.argv[1:]:
    try:
        resources += [(path, r) for r in yaml.safe_load_all(open(path)) if r]
    except yaml.YAMLError:
        pass  # already reported by kubernetes-validate
def find(kind, name):
    return next(((p, r) for p, r in resources
                 if r.get("kind") == kind and r.get("metadata", {}).get("name") == name), (None, None))

errors = []
cm_path, cm = find("ConfigMap", "fasterapi-manifest")
dep_path, dep = find("Deployment", "fasterapi")

def check():
    if cm is None or dep is None:
        errors.append("no ConfigMap fasterapi-manifest or no Deployment fasterapi")
        return
    try:
        manifest = tomllib.loads(cm["data"]["fasterapi.toml"])
    except (KeyError, TypeError, tomllib.TOMLDecodeError) as err:
        manifest = None
        errors.append(f"{cm_path}: data.fasterapi.toml is not valid TOML: {err}")
    if manifest is not None:
        spec = dep["spec"]["template"]["spec"]
        container = next(c for c in spec["containers"] if c["name"] == "fasterapi")
        ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
        mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        server = manifest.get("server", {})
        for key, listen, port in [("server.listen", server.get("listen", ""), "http"),
                                  ("server.admin.listen", server.get("admin", {}).get("listen", ""), "admin")]:
            if listen.rpartition(":")[2] != str(ports.get(port)):
                errors.append(f"{cm_path}: {key} = {listen!r} is not the container port '{port}' ({ports.get(port)})")
        if server.get("data_dir") not in mounts:
            errors.append(f"{cm_path}: server.data_dir {server.get('data_dir')!r} is not a volume mount of the Deployment")
        if not manifest.get("app"):
            errors.append(f"{cm_path}: the manifest declares no [[app]]")
        config_mounts = [m for m, v in mounts.items()
                         if volumes.get(v, {}).get("configMap", {}).get("name") == "fasterapi-manifest"]
        args = container.get("args", [])
        if not any(a == f"{m}/fasterapi.toml" for m in config_mounts for a in args):
            errors.append(f"{dep_path}: args {args} do not serve fasterapi.toml from the ConfigMap's mount {config_mounts}")
        if any("subPath" in m for m in container.get("volumeMounts", []) if m["mountPath"] in config_mounts):
            errors.append(f"{dep_path}: the ConfigMap is mounted with subPath: it would never see an update")
try:
    check()
except (KeyError, TypeError, AttributeError, StopIteration) as err:
    errors.append(f"{dep_path}: unexpected shape ({type(err).__name__}: {err})")
for error in errors:
    print("FAIL", error)
if not errors:
    print(f"INFO fasterapi.toml in {cm_path} agrees with {dep_path}")
sys.exit(1 if errors else 0)
EOF

if [[ $failed -ne 0 ]]; then
    echo "validate.sh: FAILED" >&2
    exit 1
fi
echo "validate.sh: ${#manifests[@]} manifests valid against Kubernetes $kubernetes_version (kubernetes-validate $validator_version, strict)"

"""The GitOps repository: positioned YAML reading, manifests, CRDs, config, stages,
byte-exact editing and git."""

// Validates rendered Kubernetes manifests offline, for scripts/helm-check.sh.
//   node validate.cjs [--expect Kind,Kind...] [--forbid Kind,...] FILE.yaml
// Every object is checked against its kind's schema (kubernetes-models: wrong types and missing
// required fields), then against rules a schema cannot express: selectors that match the pod
// labels, probes and services naming a port the pod has, mounts naming a volume, unique env
// names and mount paths. Kinds without a schema here fail the check, so nothing goes unchecked.
'use strict';
const fs = require('fs');
const YAML = require('yaml');

const schemaModules = {
  v1: 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'policy/v1': 'kubernetes-models/policy/v1',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'rbac.authorization.k8s.io/v1': 'kubernetes-models/rbac.authorization.k8s.io/v1',
  'monitoring.coreos.com/v1': '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1',
  'traefik.io/v1alpha1': '@kubernetes-models/traefik/traefik.io/v1alpha1',
  'cert-manager.io/v1': '@kubernetes-models/cert-manager/cert-manager.io/v1',
};

function parseArgs(argv) {
  const args = { expect: [], forbid: [], files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--expect') args.expect.push(...argv[++i].split(',').filter(Boolean));
    else if (argv[i] === '--forbid') args.forbid.push(...argv[++i].split(',').filter(Boolean));
    else args.files.push(argv[i]);
  }
  return args;
}

function schemaErrors(obj) {
  const module = schemaModules[obj.apiVersion];
  if (!module) return [`no schema for apiVersion ${obj.apiVersion}`];
  const Model = require(module)[obj.kind];
  if (!Model) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    if (e.errors) return e.errors.map((x) => `${x.instancePath || '/'} ${x.message}${x.params && x.params.allowedValues ? ' ' + JSON.stringify(x.params.allowedValues) : ''}`);
    return [String(e.message || e)];
  }
}

function podSpecOf(obj) {
  if (obj.kind === 'Deployment' || obj.kind === 'StatefulSet' || obj.kind === 'DaemonSet') return obj.spec.template.spec;
  if (obj.kind === 'Pod') return obj.spec;
  return null;
}

function dnsLabel(s) {
  return typeof s === 'string' && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) && s.length <= 63;
}

function podRules(obj, spec) {
  const problems = [];
  const volumes = new Set((spec.volumes || []).map((v) => v.name));
  if (volumes.size !== (spec.volumes || []).length) problems.push('duplicate volume names');
  for (const v of spec.volumes || []) if (!dnsLabel(v.name)) problems.push(`volume name ${v.name} is not a DNS label`);
  const containers = [...(spec.initContainers || []), ...(spec.containers || [])];
  const names = containers.map((c) => c.name);
  if (new Set(names).size !== names.length) problems.push('duplicate container names');
  for (const c of containers) {
    const ports = new Set((c.ports || []).map((p) => p.name).filter(Boolean));
    const envNames = (c.env || []).map((e) => e.name);
    const dup = envNames.filter((n, i) => envNames.indexOf(n) !== i);
    if (dup.length) problems.push(`container ${c.name}: env ${[...new Set(dup)].join(', ')} set twice`);
    const paths = (c.volumeMounts || []).map((m) => m.mountPath);
    const dupPaths = paths.filter((p, i) => paths.indexOf(p) !== i);
    if (dupPaths.length) problems.push(`container ${c.name}: mount path ${dupPaths.join(', ')} used twice`);
    for (const m of c.volumeMounts || []) {
      if (!volumes.has(m.name)) problems.push(`container ${c.name}: mount ${m.name} names no volume`);
    }
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
      const port = c[probe] && c[probe].httpGet && c[probe].httpGet.port;
      if (typeof port === 'string' && !ports.has(port)) problems.push(`container ${c.name}: ${probe} port ${port} is not a named port`);
    }
  }
  if (obj.kind === 'Deployment') {
    const selector = (obj.spec.selector && obj.spec.selector.matchLabels) || {};
    const labels = (obj.spec.template.metadata && obj.spec.template.metadata.labels) || {};
    for (const [k, v] of Object.entries(selector)) {
      if (labels[k] !== v) problems.push(`selector ${k}=${v} does not match the pod template labels`);
    }
  }
  return problems;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const text = args.files.length ? args.files.map((f) => fs.readFileSync(f, 'utf8')).join('\n---\n') : fs.readFileSync(0, 'utf8');
  const docs = YAML.parseAllDocuments(text);
  const objects = [];
  const problems = [];
  for (const doc of docs) {
    if (doc.errors.length) {
      problems.push(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    objects.push(obj);
  }
  const seen = new Set();
  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata && obj.metadata.name}`;
    const report = (msg) => problems.push(`${id}: ${msg}`);
    if (!obj.apiVersion || !obj.kind) {
      report('missing apiVersion or kind');
      continue;
    }
    if (!obj.metadata || !obj.metadata.name) report('missing metadata.name');
    if (seen.has(id)) report('rendered twice');
    seen.add(id);
    schemaErrors(obj).forEach(report);
    const spec = podSpecOf(obj);
    if (spec) podRules(obj, spec).forEach(report);
  }
  // Services and monitors must reach a pod port.
  const pods = objects.map((o) => ({ obj: o, spec: podSpecOf(o) })).filter((p) => p.spec);
  const podPortNames = new Set(pods.flatMap((p) => p.spec.containers.flatMap((c) => (c.ports || []).map((x) => x.name))));
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    for (const port of svc.spec.ports || []) {
      if (typeof port.targetPort === 'string' && !podPortNames.has(port.targetPort)) problems.push(`Service/${svc.metadata.name}: targetPort ${port.targetPort} is no pod port`);
    }
    const selector = svc.spec.selector || {};
    const matched = pods.filter((p) => p.obj.kind !== 'Pod').some((p) => {
      const labels = (p.obj.spec.template.metadata && p.obj.spec.template.metadata.labels) || {};
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    });
    if (!matched) problems.push(`Service/${svc.metadata.name}: selector matches no workload`);
  }
  const kinds = new Set(objects.map((o) => o.kind));
  for (const k of args.expect) if (!kinds.has(k)) problems.push(`expected a ${k}, none rendered`);
  for (const k of args.forbid) if (kinds.has(k)) problems.push(`expected no ${k}, one was rendered`);
  if (objects.length === 0) problems.push('no objects rendered');

  const counts = {};
  for (const o of objects) counts[o.kind] = (counts[o.kind] || 0) + 1;
  const summary = Object.entries(counts).map(([k, n]) => (n > 1 ? `${k}×${n}` : k)).join(' ');
  if (problems.length) {
    for (const p of problems) console.log(`  invalid: ${p}`);
    process.exit(1);
  }
  console.log(`  valid: ${objects.length} objects (${summary})`);
}

main();

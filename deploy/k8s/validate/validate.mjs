#!/usr/bin/env node
// Strict offline schema validation of the rendered Kubernetes manifests.
//
//   node deploy/k8s/validate/validate.mjs deploy/k8s/base deploy/k8s/overlays/dev deploy/k8s/overlays/prod
//
// Each argument is a kustomization directory (rendered with `kubectl kustomize`) or a file of rendered YAML.
// - Core kinds: the Kubernetes OpenAPI schemas of kubernetes-models (package.json pins the release), plus
//   unknown fields at any depth, which those schemas let through but `kubectl apply` (strict field validation)
//   rejects.
// - prometheus-operator kinds (PodMonitor, ServiceMonitor, PrometheusRule): the schemas of
//   @kubernetes-models/prometheus-operator, checked the same way.
// - Operator kinds (KEDA, RabbitMQ cluster operator, MongoDB operator): the openAPIV3Schema of their CRDs, read
//   from HARMATTAN_K8S_CRDS (default: ../shared/k8s-crds beside the repository) with unknown fields rejected as
//   the API server does for structural schemas. Without that folder those objects are reported as not checked.
// Exit code 0 when every object is valid, 1 when one is not (each problem printed as kind/name: path: message),
// 2 on a usage or rendering error.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formats } from "@kubernetes-models/validate";
import Ajv from "ajv";
import { parseAllDocuments } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const repository = path.resolve(here, "../../..");
const crdFolder = process.env.HARMATTAN_K8S_CRDS ?? path.resolve(repository, "../shared/k8s-crds");
const operatorGroups = ["keda.sh", "rabbitmq.com", "mongodbcommunity.mongodb.com"];
// Operator kinds whose schemas come as kubernetes-models packages (package.json pins them), checked like core kinds.
const modelPackages = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };

// The schema packages declare Node.js 22 or later; 20 is the oldest this script has been run on (20.20.2).
if (Number(process.versions.node.split(".")[0]) < 20) {
  console.log(`SKIPPED: Kubernetes schema validation needs Node.js 20 or later (found ${process.versions.node}).`);
  process.exit(0);
}

// kustomize wraps a generated Secret's base64 `data` over several lines, and the API server's decoder (Go's
// encoding/base64) skips line breaks, while the packaged check of the `byte` format refuses them.
const packagedBase64Check = formats.byte.validate;
formats.byte.validate = (value) => packagedBase64Check(value.replace(/[\r\n]/g, ""));

const inputs = process.argv.slice(2);
if (inputs.length === 0) {
  console.error("usage: validate.mjs KUSTOMIZATION_DIR|RENDERED_YAML...");
  process.exit(2);
}

const crdSchemas = loadCrdSchemas(crdFolder);
if (crdSchemas.size > 0) console.log(`CRD schemas: ${crdFolder} (${[...crdSchemas.keys()].join(", ")})`);
let problems = 0;
let unchecked = 0;
let unrendered = 0;
for (const input of inputs) {
  const text = render(input);
  if (text === null) {
    unrendered++;
    continue;
  }
  const objects = parseAllDocuments(text).map((document) => {
    if (document.errors.length > 0) {
      console.error(`${input}: invalid YAML: ${document.errors[0].message}`);
      process.exit(2);
    }
    return document.toJS();
  }).filter((object) => object !== null);

  let checked = 0;
  for (const object of objects) {
    const name = `${object.kind}/${object.metadata?.name}`;
    const result = await validate(object);
    if (result === "unchecked") {
      unchecked++;
      continue;
    }
    checked++;
    for (const problem of result) {
      problems++;
      console.log(`${input}: ${name}: ${problem}`);
    }
  }
  console.log(`${input}: ${checked} of ${objects.length} objects checked against their schemas`);
}
if (unrendered > 0) console.log(`NOT CHECKED: ${unrendered} kustomizations, because kubectl is not on PATH.`);
if (unchecked > 0)
  console.log(`NOT CHECKED: ${unchecked} operator objects, because the CRD schemas are absent (${crdFolder}; set HARMATTAN_K8S_CRDS).`);
if (problems > 0) {
  console.log(`FAILED: ${problems} schema problems`);
  process.exit(1);
}
if (unrendered < inputs.length) console.log("OK: every checked object matches its schema");

function render(input) {
  if (statSync(input, { throwIfNoEntry: false })?.isFile()) return readFileSync(input, "utf8");
  if (!existsSync(path.join(input, "kustomization.yaml"))) {
    console.error(`${input}: neither a file nor a directory with a kustomization.yaml`);
    process.exit(2);
  }
  try {
    return execFileSync("kubectl", ["kustomize", input], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    if (error.code === "ENOENT") {
      // kubectl is not a Debian package; the README says how to install it.
      console.log(`SKIPPED ${input}: kubectl is not on PATH, so the kustomization cannot be rendered (install kubectl).`);
      return null;
    }
    console.error(`${input}: kubectl kustomize failed:\n${error.stderr}`);
    process.exit(2);
  }
}

async function validate(object) {
  const crd = crdSchemas.get(`${object.apiVersion}/${object.kind}`);
  if (crd) return [...await validateCore(object.metadata, "ObjectMeta"), ...validateCrd(crd, object)];
  if (operatorGroups.some((group) => object.apiVersion?.startsWith(`${group}/`)))
    return crdSchemas.size === 0 ? "unchecked" : [`no CRD schema for ${object.apiVersion} ${object.kind} in ${crdFolder}`];
  return validateCore(object);
}

// Core kinds ---------------------------------------------------------------------------------------------------

async function validateCore(object, schema = null) {
  const validator = schema === null ? await coreValidator(object) : await metaValidator();
  if (typeof validator === "string") return [validator];
  // The compiled schemas read every property they know through `data.<name>`; a property the validator never
  // read is unknown to the schema. A proxy records the reads.
  const reads = new Map();
  const valid = validator(track(object, reads));
  const found = valid ? [] : validator.errors.map(message);
  for (const [value, read] of reads)
    for (const key of Object.keys(value))
      if (!read.has(key)) found.push(`${read.path}/${key}: unknown field`);
  return found;
}

async function coreValidator(object) {
  if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") return "no apiVersion or kind";
  const [group, version] = object.apiVersion.includes("/") ? object.apiVersion.split("/") : [null, object.apiVersion];
  const models = modelPackages[group] ?? "kubernetes-models";
  const module = group === null ? `${models}/${version}/${object.kind}` : `${models}/${group}/${version}/${object.kind}`;
  const schema = group === "monitoring.coreos.com"
    ? `ComGithubPrometheusOperatorPrometheusOperatorPkgApisMonitoring${pascal(version)}${object.kind}`
    : `IoK8sApi${pascal(group === null ? "core" : group.replace(/\.k8s\.io$/, ""))}${pascal(version)}${object.kind}`;
  try {
    await import(module);
    // Not every package exports its compiled schemas; they sit in _schemas beside the package's index either way.
    return (await import(new URL(`_schemas/${schema}.js`, import.meta.resolve(models)).href)).validate;
  } catch {
    return `unknown kind ${object.kind} in ${object.apiVersion} (schemas of ${models})`;
  }
}

async function metaValidator() {
  return (await import("@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta")).validate;
}

function track(value, reads, pointer = "") {
  if (value === null || typeof value !== "object") return value;
  const read = Object.assign(new Set(), { path: pointer });
  reads.set(value, read);
  const children = new Map();
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== "string" || !Object.hasOwn(target, key)) return child;
      read.add(key);
      if (!children.has(key)) children.set(key, track(child, reads, `${pointer}/${key}`));
      return children.get(key);
    },
  });
}

function pascal(text) {
  return text.split(/[.-]/).map((part) => part[0].toUpperCase() + part.slice(1)).join("");
}

// Operator kinds -----------------------------------------------------------------------------------------------

function loadCrdSchemas(folder) {
  const schemas = new Map();
  if (!existsSync(folder)) return schemas;
  const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".yaml"))) {
    for (const document of parseAllDocuments(readFileSync(path.join(folder, file), "utf8"))) {
      const crd = document.toJS();
      if (crd?.kind !== "CustomResourceDefinition") continue;
      for (const version of crd.spec.versions.filter((v) => v.served && v.schema?.openAPIV3Schema)) {
        const schema = structural(structuredClone(version.schema.openAPIV3Schema));
        // The API server validates metadata itself (validateCore above), not through the CRD.
        delete schema.properties?.metadata;
        schema.properties = { ...schema.properties, apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" } };
        schemas.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
      }
    }
  }
  return schemas;
}

// A CRD's structural schema as JSON Schema: unknown fields are errors unless x-kubernetes-preserve-unknown-fields,
// int-or-string accepts both, nullable accepts null.
function structural(schema) {
  if (schema === null || typeof schema !== "object") return schema;
  for (const key of ["properties", "patternProperties"])
    for (const name of Object.keys(schema[key] ?? {})) schema[key][name] = structural(schema[key][name]);
  for (const key of ["items", "additionalProperties", "not"])
    if (typeof schema[key] === "object") schema[key] = structural(schema[key]);
  for (const key of ["allOf", "anyOf", "oneOf"])
    if (Array.isArray(schema[key])) schema[key] = schema[key].map(structural);
  if (schema["x-kubernetes-int-or-string"]) {
    delete schema.type;
    schema.anyOf = [...(schema.anyOf ?? []), { type: "integer" }, { type: "string" }];
  }
  if (schema.properties && schema.additionalProperties === undefined && !schema["x-kubernetes-preserve-unknown-fields"])
    schema.additionalProperties = false;
  if (schema.nullable && schema.type) schema.type = [schema.type, "null"];
  return schema;
}

function validateCrd(validator, object) {
  if (validator(object)) return [];
  return validator.errors.map(message);
}

// The compiled core schemas carry no messages, only the keyword and its parameters.
function message({ instancePath, keyword, params, message }) {
  const where = instancePath || "/";
  switch (keyword) {
    case "additionalProperties": return `${where}/${params.additionalProperty}: unknown field`;
    case "required": return `${where}: missing required field ${params.missingProperty}`;
    case "type": return `${where}: must be ${params.type}`;
    case "enum": return `${where}: must be one of ${params.allowedValues.join(", ")}`;
    case "format": return `${where}: must be in format ${params.format}${params.format === "byte" ? " (base64)" : ""}`;
    default: return `${where}: ${message ?? keyword} ${JSON.stringify(params)}`;
  }
}

/**
 * The required top-level keys of Stripe's published TypeScript types (the `stripe` package, which
 * Stripe generates from its OpenAPI spec), read with the TypeScript compiler, so a test can check
 * at run time that the objects the offline Stripe returns carry every one of them.
 */
import path from "node:path";
import ts from "typescript";

/**
 * `types` maps a label to a type expression over the SDK's namespace, e.g. `Stripe.Checkout.Session`.
 * Answers each label's required (non-optional) property names, sorted.
 */
export function requiredKeysOf<K extends string>(types: Record<K, string>): Record<K, string[]> {
  // A probe file inside this package, so "stripe" resolves the way the package's own code resolves it.
  const probe = path.resolve(import.meta.dirname, "__stripe_type_probe__.ts");
  const labels = Object.keys(types) as K[];
  const source =
    `import type Stripe from "stripe";\n` + labels.map((label, i) => `export type T${i} = ${types[label]};`).join("\n");
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, ...rest) =>
    path.resolve(file) === probe ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === probe || fileExists(file);
  const program = ts.createProgram([probe], options, host);
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(probe)!;
  const moduleSymbol = checker.getSymbolAtLocation(file)!;
  const exports = checker.getExportsOfModule(moduleSymbol);
  const out = {} as Record<K, string[]>;
  labels.forEach((label, i) => {
    const alias = exports.find((s) => s.name === `T${i}`);
    if (!alias) throw new Error(`no probe type for ${label}`);
    const type = checker.getDeclaredTypeOfSymbol(alias);
    const props = checker.getPropertiesOfType(type);
    if (props.length === 0) throw new Error(`${types[label]} has no properties: is it a type the SDK exports?`);
    out[label] = props
      .filter((p) => (p.flags & ts.SymbolFlags.Optional) === 0)
      .map((p) => p.name)
      .sort();
  });
  return out;
}

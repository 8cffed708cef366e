/**
 * Moves an image's wasm start function into `_start`.
 *
 * asc runs an app's top-level statements from the module's start function,
 * which the engine calls while it instantiates the module, before a host can
 * reach the exported memory. Output or a panic from top-level code would be
 * lost there. So the build moves that code into a function of its own and
 * calls it first thing in `_start`; the start function is left empty.
 *
 * @module
 */
import type binaryenType from "binaryen";

type Binaryen = typeof binaryenType;
type Module = InstanceType<Binaryen["Module"]>;
// binaryen.js has Function.setBody at the top level; its typings put it elsewhere.
type WithSetBody = { Function: { setBody(func: number, body: number): void } };

/** Rewrites `module` in place; returns true if it had a start function with code in it. */
export function foldStart(binaryen: Binaryen, module: Module): boolean {
  const start = module.getStart();
  if (!start) return false;
  const startInfo = binaryen.getFunctionInfo(start);
  const exported = module.getExport("_start");
  if (!exported) return false;
  const main = module.getFunction(binaryen.getExportInfo(exported).value);
  const mainInfo = binaryen.getFunctionInfo(main);
  const init = "~tessera/init";
  module.addFunction(init, startInfo.params, startInfo.results, startInfo.vars, startInfo.body);
  const { setBody } = (binaryen as unknown as WithSetBody).Function;
  setBody(start, module.nop());
  const first = module.call(init, [], binaryen.none);
  setBody(main, module.block(null, [first, mainInfo.body], binaryen.none));
  return true;
}

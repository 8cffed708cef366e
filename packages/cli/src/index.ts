/**
 * The `tessera` CLI as a library: building images programmatically.
 *
 * @module
 */
export { loadApp, RUNTIMES, type App, type Runtime } from "./build/app.js";
export { compile, ascArgs, type CompileOptions, type Compiled, type Opt } from "./build/compile.js";
export { finish, type Finished } from "./build/finish.js";
export { buildReport, formatReport, packageOf, type Report, type SizeRow } from "./inspect/report.js";
export { CliError } from "./errors.js";
export { main } from "./main.js";

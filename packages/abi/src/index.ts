/**
 * The Tessera guest ABI v2: the table and what is generated from it.
 *
 * @module
 */
export * from "./table.js";
export * from "./host.js";

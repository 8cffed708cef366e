// Image references as docker, podman and containerd read them: NAME[:TAG],
// NAME being optional registry host (with port) and path components.

/** A parsed reference. */
export interface Reference {
  /** As given, without the tag: `tessera/http`, `localhost:5000/http`. */
  name: string;
  tag: string;
  /** The name as containerd stores it: `docker.io/tessera/http`, `docker.io/library/http`. */
  fullName: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\d+)?$/;
const TAG = /^\w[\w.-]{0,127}$/;

/**
 * Parses `NAME[:TAG]` (the tag defaults to `latest`); returns why it is not a
 * reference (a phrase) instead when it is not one.
 */
export function parseReference(text: string): Reference | string {
  if (text.includes("@")) return "a digest (@sha256:...) cannot name an image being written; give NAME:TAG";
  const slash = text.lastIndexOf("/");
  const colon = text.lastIndexOf(":");
  const hasTag = colon > slash;
  const name = hasTag ? text.slice(0, colon) : text;
  const tag = hasTag ? text.slice(colon + 1) : "latest";
  if (!TAG.test(tag))
    return `the tag "${tag}" is not one (letters, digits, _ . -, at most 128, not starting with . or -)`;
  const parts = name.split("/");
  const first = parts[0];
  const hasHost = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasHost && !HOST.test(first)) return `"${first}" is not a registry host`;
  const path = hasHost ? parts.slice(1) : parts;
  const bad = path.find((c) => !COMPONENT.test(c));
  if (bad !== undefined)
    return `"${bad}" is not a name component (lower-case letters and digits, with single . _ or - between them)`;
  if (name.length > 255) return "the name is longer than 255 characters";
  const fullName = hasHost ? name : `docker.io/${path.length === 1 ? "library/" : ""}${name}`;
  return { name, tag, fullName };
}

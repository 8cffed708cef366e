// The one error type of this package: a malformed or unacceptable image.

/** A malformed image or one a host must refuse; the message is one line, meant for the user. */
export class ImageError extends Error {
  override name = "ImageError";
}

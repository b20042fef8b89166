package dev.coldbrew.api.validation;

/**
 * One problem with one field: {@code spec.traffic[1].percent: 120 (expected: 0..100)}. The path is
 * relative to the resource root, in the dotted/indexed form Knative uses.
 */
public record FieldError(String path, String message) {

  /** A field whose value is out of range or malformed: {@code path: value (expected: ...)}. */
  public static FieldError invalid(String path, Object value, String expected) {
    return new FieldError(path, render(value) + " (expected: " + expected + ")");
  }

  /** A required field that is missing. */
  public static FieldError missing(String path) {
    return new FieldError(path, "missing required field");
  }

  /** A field that is not part of the schema. */
  public static FieldError unknown(String path) {
    return new FieldError(path, "unknown field");
  }

  private static String render(Object value) {
    if (value instanceof String s) {
      return "\"" + s + "\"";
    }
    return String.valueOf(value);
  }

  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}

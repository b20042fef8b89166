package dev.coldbrew.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.validation.FieldError;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.admission.RevisionQuota;

/**
 * Errors as the Kubernetes API server writes them: a {@code Status} object with code, reason,
 * message and, for invalid input, {@code details.causes} naming each bad field. Stateless.
 */
public record ApiStatus(
    int code, String reason, String message, java.util.List<FieldError> causes) {

  /** The Status for an exception thrown while serving a request. */
  public static ApiStatus of(Throwable t, String subject) {
    if (t instanceof ValidationException v) {
      return new ApiStatus(422, "Invalid", subject + " is invalid", v.errors());
    }
    if (t instanceof RevisionQuota.Exceeded q) {
      return new ApiStatus(403, "Forbidden", q.getMessage(), java.util.List.of());
    }
    if (t instanceof StoreException s) {
      return switch (s.reason()) {
        case NOT_FOUND -> new ApiStatus(404, "NotFound", s.getMessage(), java.util.List.of());
        case ALREADY_EXISTS ->
            new ApiStatus(409, "AlreadyExists", s.getMessage(), java.util.List.of());
        case CONFLICT -> new ApiStatus(409, "Conflict", s.getMessage(), java.util.List.of());
        case INVALID -> new ApiStatus(422, "Invalid", s.getMessage(), java.util.List.of());
        case CORRUPT, UNAVAILABLE ->
            new ApiStatus(503, "ServiceUnavailable", s.getMessage(), java.util.List.of());
      };
    }
    return new ApiStatus(500, "InternalError", "internal error: " + t, java.util.List.of());
  }

  public static ApiStatus of(int code, String reason, String message) {
    return new ApiStatus(code, reason, message, java.util.List.of());
  }

  /** 400 for a query parameter's bad value: {@code name: "value" (expected: ...)}. */
  public static ApiStatus badParameter(String name, String value, String expected) {
    return of(400, "BadRequest", name + ": \"" + value + "\" (expected: " + expected + ")");
  }

  /** The JSON body. */
  public String toJson() {
    ObjectNode n = ResourceCodec.json().createObjectNode();
    n.put("kind", "Status");
    n.put("apiVersion", "v1");
    n.putObject("metadata");
    n.put("status", "Failure");
    n.put("message", message + (causes.isEmpty() ? "" : ": " + causes.size() + " field error(s)"));
    n.put("reason", reason);
    if (!causes.isEmpty()) {
      ArrayNode arr = n.putObject("details").putArray("causes");
      for (FieldError e : causes) {
        ObjectNode c = arr.addObject();
        c.put(
            "reason",
            e.message().startsWith("unknown field")
                ? "FieldValueNotSupported"
                : "FieldValueInvalid");
        c.put("message", e.message());
        c.put("field", e.path());
      }
    }
    n.put("code", code);
    return n.toString();
  }
}

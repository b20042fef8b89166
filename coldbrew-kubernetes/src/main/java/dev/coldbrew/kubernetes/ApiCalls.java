package dev.coldbrew.kubernetes;

import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.StoreException.Reason;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/**
 * Runs one request of the engine's own writes (Deployments, Services, EndpointSlices) and
 * translates its failure as the store does: unreachable, 5xx, 429, 401 and 403 are UNAVAILABLE (and
 * recorded in the {@link ApiServerHealth}); 409 is ALREADY_EXISTS on a create, else CONFLICT; 404
 * NOT_FOUND; the rest INVALID. The message names what was being done. Stateless.
 */
final class ApiCalls {
  private ApiCalls() {}

  /**
   * Runs {@code call}.
   *
   * @param what what the call does, for messages: {@code creating Service default/hello-00001}
   */
  static <T> T run(ApiServerHealth health, String what, Supplier<T> call) {
    try {
      T result = call.get();
      health.answered();
      return result;
    } catch (KubernetesClientException e) {
      throw failure(health, e, what);
    }
  }

  static StoreException failure(ApiServerHealth health, KubernetesClientException e, String what) {
    return failure(health, e.getCode(), what + ": " + reasonOf(e), what.startsWith("creating"), e);
  }

  /** A failure of {@code code} (0: no answer) as a StoreException, recorded in {@code health}. */
  static StoreException failure(
      ApiServerHealth health, int code, String message, boolean creating, Throwable cause) {
    if (code == 0 || code >= 500 || code == 429 || code == 401 || code == 403) {
      health.failed(message);
      return new StoreException(Reason.UNAVAILABLE, message, cause);
    }
    health.answered();
    Reason reason =
        switch (code) {
          case 409 -> creating ? Reason.ALREADY_EXISTS : Reason.CONFLICT;
          case 404 -> Reason.NOT_FOUND;
          default -> Reason.INVALID;
        };
    return new StoreException(reason, message, cause);
  }

  /** What the API server said ({@code status.message}), else the root cause of the failure. */
  static String reasonOf(KubernetesClientException e) {
    if (e.getStatus() != null && e.getStatus().getMessage() != null) {
      return e.getStatus().getMessage();
    }
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e ? String.valueOf(e.getMessage()) : root.toString();
  }
}

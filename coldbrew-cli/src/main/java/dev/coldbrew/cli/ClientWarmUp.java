package dev.coldbrew.cli;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import java.io.IOException;

/**
 * Readies what a client call needs after its command line on a second thread while the main thread
 * builds and parses the command line. Both are mostly one-time work of a fresh JVM (Jackson's
 * mapper and the deserializers of a Service and the types inside it; picocli's model of the
 * command), about as long as each other, and one core would otherwise stay idle while the other
 * does them in turn. The main thread waits for this one only where it needs what this one is still
 * making (a class the JVM is initializing, a deserializer Jackson is building), each made once for
 * both. {@link #start} may be called from any thread; the work runs on a daemon thread, which a
 * call that ends first does not wait for. Problems are left to the call itself to meet and report.
 */
public final class ClientWarmUp {
  /** A stored Service as the admin API lists it, with the fields a table reads. */
  private static final String SERVICE =
      "{\"apiVersion\":\"serving.knative.dev/v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"w\","
          + "\"namespace\":\"default\",\"creationTimestamp\":\"2026-01-01T00:00:00Z\"},"
          + "\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"i\"}]}}},"
          + "\"status\":{\"url\":\"http://w\",\"conditions\":[{\"type\":\"Ready\","
          + "\"status\":\"True\"}]}}";

  private ClientWarmUp() {}

  /** Starts the warm-up thread. */
  public static void start() {
    Thread t = new Thread(ClientWarmUp::run, "coldbrew-warm-up");
    t.setDaemon(true);
    t.start();
  }

  /**
   * The warm-up itself: makes an admin API path, whose string concatenation is the process's first
   * and links a good part of {@code java.lang.invoke}, then decodes a Service as {@link ApiClient}
   * decodes a listed one.
   */
  static void run() {
    try {
      Kind.SERVICE.collectionPath("default");
      ResourceCodec.fromStoredTree(ResourceCodec.json().readTree(SERVICE));
    } catch (IOException | RuntimeException e) {
      // only a head start: the call meets the same problem, if any, and reports it
    }
  }
}

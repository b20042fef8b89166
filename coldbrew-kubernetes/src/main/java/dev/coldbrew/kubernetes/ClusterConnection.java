package dev.coldbrew.kubernetes;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * How Coldbrew's commands reach a cluster: from a kubeconfig file (its current context, as kubectl)
 * or, inside a pod, from the service account fabric8 finds there. Errors are {@link
 * IllegalArgumentException}s that name the flag, the bad value and what was expected. The clients
 * use fabric8's JDK transport and retry a failed request once before failing (the controller and
 * the CLI report and back off themselves); the caller closes them. Stateless.
 */
public final class ClusterConnection {
  /** Where Kubernetes mounts a pod's service account token. */
  static final Path SERVICE_ACCOUNT_TOKEN =
      Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

  private static final int MAX_KUBECONFIG_BYTES = 4 << 20;

  /** fabric8's retries of a request that got no answer or a 5xx before it fails. */
  static final int REQUEST_RETRIES = 1;

  private ClusterConnection() {}

  /**
   * A client for the current context of the kubeconfig {@code file}.
   *
   * @param flag the flag or variable the file came from, for messages ({@code --kubeconfig})
   */
  public static KubernetesClient fromKubeconfig(Path file, String flag) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(
          flag + ": \"" + file + "\" (expected: a kubeconfig file; there is no such file)");
    }
    try {
      if (Files.size(file) > MAX_KUBECONFIG_BYTES) {
        throw new IllegalArgumentException(
            flag
                + ": \""
                + file
                + "\" (expected: a kubeconfig file of at most "
                + MAX_KUBECONFIG_BYTES
                + " bytes)");
      }
      Files.readString(file, StandardCharsets.UTF_8); // unreadable or not UTF-8: named here
    } catch (IOException e) {
      throw new IllegalArgumentException(
          flag + ": \"" + file + "\" cannot be read: " + e.getMessage(), e);
    }
    Config config;
    try {
      config = Config.fromKubeconfig(null, file.toFile());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          flag
              + ": \""
              + file
              + "\" (expected: a kubeconfig with a current context; "
              + rootMessage(e)
              + ")",
          e);
    }
    if (config.getMasterUrl() == null || config.getCurrentContext() == null) {
      throw new IllegalArgumentException(
          flag
              + ": \""
              + file
              + "\" (expected: a kubeconfig whose current-context names a context and cluster)");
    }
    return build(config);
  }

  /**
   * A client from inside a pod: the API server from {@code KUBERNETES_SERVICE_HOST}/{@code _PORT}
   * in {@code env}, credentials from the mounted service account.
   */
  public static KubernetesClient inCluster(Map<String, String> env) {
    String host = env.get("KUBERNETES_SERVICE_HOST");
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(
          "--in-cluster: KUBERNETES_SERVICE_HOST is not set (expected: running in a pod; outside"
              + " a cluster use --kubeconfig FILE)");
    }
    if (!Files.isReadable(SERVICE_ACCOUNT_TOKEN)) {
      throw new IllegalArgumentException(
          "--in-cluster: no service account token at "
              + SERVICE_ACCOUNT_TOKEN
              + " (expected: the pod's service account mounted, automountServiceAccountToken on)");
    }
    System.setProperty(Config.KUBERNETES_AUTH_TRYKUBECONFIG_SYSTEM_PROPERTY, "false");
    return build(Config.autoConfigure(null));
  }

  private static KubernetesClient build(Config config) {
    // fabric8 retries a failed request 10 times with exponential backoff (~25 s) before it
    // reports; Coldbrew's callers retry with their own backoff and report at once
    config.setRequestRetryBackoffLimit(REQUEST_RETRIES);
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    if (m == null) {
      return t.getClass().getSimpleName();
    }
    int nl = m.indexOf('\n');
    m = nl < 0 ? m : m.substring(0, nl);
    return m.length() > 200 ? m.substring(0, 200) + "…" : m;
  }
}

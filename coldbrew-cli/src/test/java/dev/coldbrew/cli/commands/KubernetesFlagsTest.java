package dev.coldbrew.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coldbrew.cli.Main;
import dev.coldbrew.cli.UsageException;
import dev.coldbrew.cli.UserException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The Kubernetes flags of the CLI, in-process: {@code coldbrew controller}'s and {@code --engine}
 * with {@code --kubeconfig}; every bad value is refused with the flag, the value and what was
 * expected, before anything connects.
 */
class KubernetesFlagsTest {
  @TempDir Path dir;

  /** Exit code and standard error of one run. */
  private record Run(int code, String err) {}

  private static Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    int code = cl.execute(args);
    return new Run(code, err.toString());
  }

  @Test
  void theControllerNeedsExactlyOneOfKubeconfigAndInCluster() {
    Run none = run("controller");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("--in-cluster").contains("--kubeconfig");
    Run both = run("controller", "--in-cluster", "--kubeconfig", "x");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("mutually exclusive");
  }

  @Test
  void aMissingOrMalformedKubeconfigIsNamed() throws Exception {
    Path missing = dir.resolve("nope");
    Run r =
        run("controller", "--kubeconfig", missing.toString(), "--health-address", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains(
            "--kubeconfig: \""
                + missing
                + "\" (expected: a kubeconfig file; there is no such file)");

    Path garbage = dir.resolve("garbage");
    Files.writeString(garbage, "clusters: [this is not: {a kubeconfig\n");
    r = run("controller", "--kubeconfig", garbage.toString(), "--health-address", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--kubeconfig: \"" + garbage + "\" (expected: a kubeconfig");

    Path empty = dir.resolve("empty");
    Files.writeString(empty, "apiVersion: v1\nkind: Config\n");
    r = run("controller", "--kubeconfig", empty.toString(), "--health-address", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--kubeconfig: \"" + empty + "\" (expected: a kubeconfig");
  }

  @Test
  void badControllerFlagsAreRefusedBeforeConnecting() {
    Path missing = dir.resolve("nope");
    for (String bad : new String[] {"nope", ":8081", "host:", "host:70000", "host:-1", "a b:1"}) {
      Run r = run("controller", "--kubeconfig", missing.toString(), "--health-address", bad);
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err())
          .as(bad)
          .contains("--health-address: \"" + bad + "\" (expected: HOST:PORT");
    }
    Run port = run("controller", "--kubeconfig", "k", "--metrics-port", "0");
    assertThat(port.code()).isEqualTo(2);
    assertThat(port.err()).contains("--metrics-port: 0 (expected: 1..65535)");
    Run domain = run("controller", "--kubeconfig", "k", "--domain", "Bad_Domain");
    assertThat(domain.err()).contains("domain: \"Bad_Domain\"");
    Run id = run("controller", "--kubeconfig", "k", "--identity", "x".repeat(300));
    assertThat(id.err()).contains("identity:");
  }

  @Test
  void inClusterOutsideAPodSaysSo() {
    assumeTrue(System.getenv("KUBERNETES_SERVICE_HOST") == null, "running inside a pod");
    Run r = run("controller", "--in-cluster", "--health-address", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--in-cluster: KUBERNETES_SERVICE_HOST is not set");
  }

  @Test
  void theEngineIsLocalOrKubernetes() {
    assertThat(EngineOptions.kubernetes(null, Map.of())).isFalse();
    assertThat(EngineOptions.kubernetes("local", Map.of("COLDBREW_ENGINE", "kubernetes")))
        .isFalse();
    assertThat(EngineOptions.kubernetes(null, Map.of("COLDBREW_ENGINE", "kubernetes"))).isTrue();
    assertThat(EngineOptions.kubernetes("Kubernetes", Map.of())).isTrue();
    assertThatThrownBy(() -> EngineOptions.kubernetes("docker", Map.of()))
        .isInstanceOf(UsageException.class)
        .hasMessage("--engine: \"docker\" (expected: local or kubernetes)");
    assertThatThrownBy(() -> EngineOptions.kubernetes(null, Map.of("COLDBREW_ENGINE", "x")))
        .isExactlyInstanceOf(UserException.class)
        .hasMessage("COLDBREW_ENGINE: \"x\" (expected: local or kubernetes)");
    Run r = run("get", "ksvc", "--engine", "docker");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--engine: \"docker\" (expected: local or kubernetes)");
  }

  @Test
  void theKubeconfigComesFromTheFlagThenKubeconfigThenHome() {
    assertThat(EngineOptions.kubeconfigFile(Path.of("/a"), Map.of("KUBECONFIG", "/b"), "/h"))
        .isEqualTo(Path.of("/a"));
    assertThat(
            EngineOptions.kubeconfigFile(
                null, Map.of("KUBECONFIG", "/b" + java.io.File.pathSeparator + "/c"), "/h"))
        .isEqualTo(Path.of("/b"));
    assertThat(EngineOptions.kubeconfigFile(null, Map.of(), "/h"))
        .isEqualTo(Path.of("/h/.kube/config"));
  }

  @Test
  void applyAndGetOnAClusterNameAMissingKubeconfig() throws Exception {
    Path manifest = dir.resolve("hello.yaml");
    Files.writeString(
        manifest,
        "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello}\n"
            + "spec: {template: {spec: {containers: [{image: ghcr.io/knative/helloworld-go}]}}}\n");
    Path missing = dir.resolve("nope");
    Run apply =
        run(
            "apply",
            "-f",
            manifest.toString(),
            "--engine",
            "kubernetes",
            "--kubeconfig",
            missing.toString());
    assertThat(apply.code()).isEqualTo(1);
    assertThat(apply.err()).contains("--kubeconfig: \"" + missing + "\"");
    Run get = run("get", "ksvc", "--engine", "kubernetes", "--kubeconfig", missing.toString());
    assertThat(get.code()).isEqualTo(1);
    assertThat(get.err()).contains("--kubeconfig: \"" + missing + "\"");
  }

  @Test
  void anApiServerThatCannotBeReachedIsNamedWithItsUrl() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort(); // closed again: nothing listens there
    }
    Path kubeconfig = dir.resolve("unreachable");
    Files.writeString(
        kubeconfig,
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: x
          cluster: {server: "https://127.0.0.1:%d", insecure-skip-tls-verify: true}
        users:
        - name: u
          user: {token: t}
        contexts:
        - name: x
          context: {cluster: x, user: u, namespace: default}
        current-context: x
        """
            .formatted(port));
    Run r =
        run(
            "describe",
            "ksvc",
            "x",
            "--engine",
            "kubernetes",
            "--kubeconfig",
            kubeconfig.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("the API server at https://127.0.0.1:" + port + "/ cannot be reached");
  }
}

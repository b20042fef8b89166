package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coldbrew.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI with {@code --engine kubernetes} against fabric8's mock API server (CRUD mode, with
 * Coldbrew's CRDs), in-process: {@code apply}, {@code get}, {@code describe} and {@code delete} go
 * to the cluster of {@code --kubeconfig} through the same admission as the admin API, and say what
 * they did as they do against {@code serve}. No controller runs, so nothing gets a status.
 */
class CliOnClusterTest {
  private static final java.time.Duration WAIT = java.time.Duration.ofSeconds(30);
  @TempDir Path dir;
  MockApiServer api;
  Path kubeconfig;

  /** Exit code, standard output and standard error of one run. */
  private record Run(int code, String out, String err) {}

  @BeforeEach
  void start() throws Exception {
    api = MockApiServer.start();
    kubeconfig = dir.resolve("kubeconfig");
    Files.writeString(kubeconfig, api.kubeconfig());
  }

  @AfterEach
  void stop() {
    api.close();
  }

  private Run run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--engine";
    all[args.length + 1] = "kubernetes";
    all[args.length + 2] = "--kubeconfig";
    all[args.length + 3] = kubeconfig.toString();
    int code = cl.execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void applyGetDescribeAndDeleteWorkOnTheCluster() throws Exception {
    Path svc = dir.resolve("hello.yaml");
    Files.writeString(
        svc,
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: hello
          labels: {team: blue}
        spec:
          template:
            spec:
              containers:
                - image: ghcr.io/knative/helloworld-go:latest
                  env: [{name: TARGET, value: cluster}]
        """);
    Run r = run("apply", "-f", svc.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("service.serving.knative.dev/hello created\n");

    r = run("get", "ksvc");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("hello");

    r = run("describe", "ksvc", "hello");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Name:")
        .contains("hello")
        .contains("Namespace:")
        .contains("default")
        .contains("team=blue")
        .contains("(no traffic assigned yet)");
    r = run("describe", "ksvc", "hello", "-o", "yaml");
    assertThat(r.out()).contains("value: cluster").contains("timeoutSeconds: 300");
    r = run("describe", "ksvc", "nope");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("nope").contains("not found");

    // the cluster's config-defaults apply to what is applied next, as its controller's do
    api.admin()
        .configMaps()
        .inNamespace("coldbrew-system")
        .resource(
            new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
                .withNewMetadata()
                .withName("config-defaults")
                .withNamespace("coldbrew-system")
                .endMetadata()
                .withData(java.util.Map.of("revision-timeout-seconds", "120"))
                .build())
        .create();
    Files.writeString(svc, Files.readString(svc).replace("name: hello", "name: second"));
    assertThat(run("apply", "-f", svc.toString()).code()).isZero();
    assertThat(run("describe", "ksvc", "second", "-o", "yaml").out())
        .contains("timeoutSeconds: 120");
    assertThat(run("delete", "ksvc", "second").code()).isZero();

    var services = api.admin().genericKubernetesResources("serving.coldbrew.dev/v1", "Service");
    assertThat(services.list().getItems()).hasSize(1);
    r = run("delete", "ksvc", "hello");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("service.serving.knative.dev/hello deleted\n");
    assertThat(services.list().getItems()).isEmpty();
    r = run("delete", "ksvc", "hello");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("hello").contains("not found");
  }

  /**
   * {@code get endpoints} on a cluster lists the v1 Endpoints the ServerlessService writes beside
   * its public slices (labelled with its serviceType, as the controller renders them), not the
   * cluster's other Endpoints.
   */
  @Test
  void getEndpointsListsThoseOfServerlessServices() {
    var endpoints = api.admin().endpoints().inNamespace("default");
    endpoints
        .resource(
            new io.fabric8.kubernetes.api.model.EndpointsBuilder()
                .withNewMetadata()
                .withName("hello-00001")
                .addToLabels("networking.internal.knative.dev/serviceType", "Public")
                .addToLabels("endpointslice.kubernetes.io/skip-mirror", "true")
                .endMetadata()
                .addNewSubset()
                .addNewAddress()
                .withIp("10.0.0.7")
                .withNewTargetRef()
                .withKind("Pod")
                .withName("hello-00001-deployment-abc")
                .endTargetRef()
                .endAddress()
                .addNewPort()
                .withName("http")
                .withPort(8012)
                .withProtocol("TCP")
                .endPort()
                .endSubset()
                .build())
        .create();
    endpoints
        .resource(
            new io.fabric8.kubernetes.api.model.EndpointsBuilder()
                .withNewMetadata()
                .withName("unrelated")
                .endMetadata()
                .build())
        .create();

    Run r = run("get", "endpoints");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("hello-00001")
        .contains("10.0.0.7:8012")
        .doesNotContain("unrelated");
  }

  /**
   * {@code get ksvc -w} on a cluster: the table, then a row per change the API server's watch
   * delivers (the Services of another namespace left out), until the command is stopped.
   */
  @Test
  void getWatchPrintsARowPerChangeOnTheCluster() throws Exception {
    String[] create = {"service", "create", "", "--image", "ghcr.io/x/y:1", "--no-wait"};
    create[2] = "first";
    assertThat(run(create).code()).isZero();

    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int[] code = {-1};
    Thread watcher =
        new Thread(
            () ->
                code[0] =
                    cl.execute(
                        "get",
                        "ksvc",
                        "-w",
                        "--engine",
                        "kubernetes",
                        "--kubeconfig",
                        kubeconfig.toString()));
    watcher.start();
    try {
      await().atMost(WAIT).until(() -> out.toString().contains("first"));
      assertThat(out.toString()).startsWith("NAME");

      create[2] = "second";
      assertThat(run(create).code()).isZero();
      await().atMost(WAIT).until(() -> out.toString().contains("second"));
      String[] other = {"service", "create", "elsewhere", "--image", "ghcr.io/x/y:1"};
      assertThat(run(concat(other, "--no-wait", "-n", "other")).code()).isZero();
      assertThat(run("service", "delete", "second").code()).isZero();
      // created and deleted: two rows for "second"; the other namespace's never
      await().atMost(WAIT).untilAsserted(() -> assertThat(out.toString().split("\n")).hasSize(4));
      assertThat(out.toString().lines().filter(l -> l.startsWith("second"))).hasSize(2);
      assertThat(out.toString()).doesNotContain("elsewhere");
      assertThat(watcher.isAlive()).isTrue();
    } finally {
      watcher.interrupt();
      watcher.join(WAIT.toMillis());
    }
    assertThat(watcher.isAlive()).isFalse();
    assertThat(code[0]).isEqualTo(1);
    assertThat(err.toString()).contains("the watch of services was interrupted");
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /** The noun commands' list, describe and delete work on the cluster too, as kn's do. */
  @Test
  void nounCommandsListDescribeAndDeleteOnTheCluster() {
    assertThat(
            run(
                    "service",
                    "create",
                    "hello",
                    "--image",
                    "ghcr.io/knative/helloworld-go:latest",
                    "--no-wait")
                .code())
        .isZero();

    Run r = run("service", "list");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("NAME").contains("hello");
    r = run("service", "describe", "hello", "-o", "yaml");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("image: ghcr.io/knative/helloworld-go:latest");
    r = run("revision", "list");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("No revisions found.\n"); // no controller runs here
    r = run("route", "describe", "nope");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("nope").contains("not found");

    r = run("service", "delete", "--all");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).contains("hello");
    assertThat(
            api.admin()
                .genericKubernetesResources("serving.coldbrew.dev/v1", "Service")
                .list()
                .getItems())
        .isEmpty();
    r = run("service", "delete", "hello");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("hello").contains("not found");
  }

  /**
   * {@code service create|update|wait} on the cluster: written through the same admission, a
   * refusal named by the flag behind the bad field, and the wait following the Service's status
   * (written here as the cluster's controller would).
   */
  @Test
  void serviceCreateUpdateAndWaitOnTheCluster() throws Exception {
    var services = api.admin().genericKubernetesResources("serving.coldbrew.dev/v1", "Service");
    Run r =
        run(
            "service",
            "create",
            "hello",
            "--image",
            "ghcr.io/knative/helloworld-go:1",
            "--env",
            "TARGET=one",
            "--no-wait");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("Service 'hello' created in namespace 'default'.\n");
    assertThat(services.inNamespace("default").withName("hello").get()).isNotNull();

    r =
        run(
            "service",
            "create",
            "hello",
            "--image",
            "ghcr.io/knative/helloworld-go:1",
            "--no-wait");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("already exists").contains("--force");

    r = run("service", "update", "hello", "--env", "TARGET=two", "--no-wait");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("Service 'hello' updated in namespace 'default'.\n");
    assertThat(run("describe", "ksvc", "hello", "-o", "yaml").out()).contains("value: two");

    r = run("service", "update", "hello", "--env", "1BAD=x", "--no-wait");
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err()).contains("--env").contains("1BAD");
    assertThat(run("describe", "ksvc", "hello", "-o", "yaml").out())
        .contains("value: two")
        .doesNotContain("1BAD");

    // the controller's part, played here: the Service becomes Ready at its generation
    Thread controller =
        new Thread(
            () -> {
              var one = services.inNamespace("default").withName("hello");
              while (!Thread.currentThread().isInterrupted()) {
                var svc = one.get();
                Object generation = svc.getMetadata().getGeneration();
                svc.setAdditionalProperty(
                    "status",
                    java.util.Map.of(
                        "observedGeneration",
                        generation,
                        "url",
                        "http://hello.default.example.com",
                        "latestReadyRevisionName",
                        "hello-00002",
                        "conditions",
                        java.util.List.of(
                            java.util.Map.of(
                                "type", "Ready",
                                "status", "True",
                                "lastTransitionTime", "2026-12-06T00:00:00Z"))));
                try {
                  services.inNamespace("default").resource(svc).updateStatus();
                  return;
                } catch (RuntimeException e) {
                  // a stale resourceVersion: read again
                }
              }
            });
    controller.start();
    r = run("service", "wait", "hello", "--wait-timeout", "60");
    controller.interrupt();
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("Ready to serve.")
        .contains("Service 'hello' in namespace 'default' is ready.");
  }
}

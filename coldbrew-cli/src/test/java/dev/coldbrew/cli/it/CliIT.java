package dev.coldbrew.cli.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The real jar's CLI against a real {@code serve}: kn's verbs, tables, errors and exit codes. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {
  @RegisterExtension static final PlatformExtension platform = PlatformExtension.withDefaults();

  final Path dir = platform.dir;

  private Path manifest(String name, String yaml) throws Exception {
    Path p = dir.resolve(name);
    Files.writeString(p, yaml);
    return p;
  }

  private static String service(String name, String target) {
    return """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: %s
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/min-scale: "0"
            spec:
              containers:
                - command: %s
                  env: [{name: TARGET, value: %s}]
        """
        .formatted(name, Platform.appYaml(EchoApp.class.getName()), target);
  }

  @Test
  void applyCreatesThenReportsUnchangedThenConfigured() throws Exception {
    Path m = manifest("a.yaml", service("apply-me", "one"));
    var r = platform.cli("apply", "-f", m.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("service.serving.knative.dev/apply-me created\n");
    r = platform.cli("apply", "-f", m.toString());
    assertThat(r.out())
        .as(r.toString())
        .isEqualTo("service.serving.knative.dev/apply-me unchanged\n");
    r = platform.cli("apply", "-f", manifest("a2.yaml", service("apply-me", "two")).toString());
    assertThat(r.out())
        .as(r.toString())
        .isEqualTo("service.serving.knative.dev/apply-me configured\n");
    r = platform.run(service("from-stdin", "x"), "apply", "-f", "-");
    assertThat(r.out())
        .as(r.toString())
        .isEqualTo("service.serving.knative.dev/from-stdin created\n");
  }

  @Test
  void serviceListPrintsKnColumns() throws Exception {
    platform.cli("apply", "-f", manifest("l.yaml", service("listed", "x")).toString());
    var r = platform.cli("service", "list");
    assertThat(r.code()).as(r.toString()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0].split("\\s+"))
        .containsExactly("NAME", "URL", "LATEST", "AGE", "CONDITIONS", "READY", "REASON");
    assertThat(r.out())
        .contains("listed")
        .contains("http://listed.default.localhost:" + platform.httpPort);
    r = platform.cli("route", "list");
    assertThat(r.out().split("\n")[0].split("\\s+")).containsExactly("NAME", "URL", "READY");
    r = platform.cli("revision", "list");
    assertThat(r.out().split("\n")[0].split("\\s+"))
        .containsExactly(
            "NAME",
            "SERVICE",
            "TRAFFIC",
            "TAGS",
            "GENERATION",
            "AGE",
            "CONDITIONS",
            "READY",
            "REASON");
    assertThat(r.out()).contains("listed-00001");
  }

  @Test
  void invalidManifestIsRefusedWithEveryFieldError() throws Exception {
    Path m =
        manifest(
            "bad.yaml",
            """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: Bad_Name
        spec:
          template:
            spec:
              containerConcurrency: 5000
              containers:
                - image: "Not An Image"
          traffic:
            - {latestRevision: true, percent: 120}
        """);
    var r = platform.cli("apply", "-f", m.toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.err())
        .contains("metadata.name")
        .contains("spec.template.spec.containerConcurrency: 5000 (expected: 0..1000)")
        .contains("spec.traffic[0].percent: 120 (expected: 0..100)")
        .contains("spec.template.spec.containers[0].image: \"Not An Image\"")
        .contains("spec.traffic: traffic targets sum to 120, want 100");
    assertThat(platform.cli("get", "ksvc", "Bad_Name").code()).isEqualTo(1);
  }

  @Test
  void applyOfADirectoryKeepsFileOrderAndAppliesTheSameResourceInOrder() throws Exception {
    Path d = Files.createDirectories(dir.resolve("ordered"));
    Files.writeString(d.resolve("a.yaml"), service("order-a", "x"));
    Files.writeString(
        d.resolve("b.yaml"),
        service("order-b", "one")
            + "---\n"
            + service("order-b", "two")
            + "---\n"
            + "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: Bad_Name}\n");
    Files.writeString(d.resolve("c.yaml"), service("order-c", "x"));
    var r = platform.cli("apply", "-f", d.toString());
    assertThat(r.code()).as(r.toString()).isEqualTo(1);
    assertThat(r.out())
        .isEqualTo(
            """
            service.serving.knative.dev/order-a created
            service.serving.knative.dev/order-b created
            service.serving.knative.dev/order-b configured
            service.serving.knative.dev/order-c created
            """);
    assertThat(r.err()).contains("metadata.name");
    assertThat(platform.cli("get", "ksvc", "order-b", "-o", "yaml").out()).contains("two");
  }

  @Test
  void unknownFieldIsNamedWithItsPath() throws Exception {
    var r =
        platform.run(
            """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata: {name: typo}
        spec:
          template:
            spec:
              containers:
                - command: [x]
                  enviroment: []
        """,
            "apply",
            "-f",
            "-");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("spec.template.spec.containers[0].enviroment: unknown field");
  }

  @Test
  void createUpdateDescribeAndDeleteLikeKn() throws Exception {
    java.util.List<String> app = Platform.app(EchoApp.class.getName());
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("--cmd", app.get(0)));
    app.subList(1, app.size()).forEach(a -> cmd.add("--arg=" + a));
    var args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "service", "create", "made", "--no-wait", "-e", "TARGET=kn", "--scale-min", "0"));
    args.addAll(cmd);
    var r = platform.cli(args.toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).isEqualTo("Service 'made' created in namespace 'default'.\n");
    r = platform.cli(args.toArray(String[]::new));
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("already exists");

    r = platform.cli("service", "update", "made", "--no-wait", "-e", "TARGET=two");
    assertThat(r.code()).as(r.toString()).isZero();
    r = platform.cli("get", "ksvc", "made", "-o", "yaml");
    assertThat(r.out()).contains("value: two").contains("autoscaling.knative.dev/min-scale: \"0\"");
    r = platform.cli("service", "describe", "made");
    assertThat(r.out()).contains("Name:").contains("made").contains("Conditions:");
    r = platform.cli("service", "describe", "made", "-o", "url");
    assertThat(r.out().trim()).isEqualTo("http://made.default.localhost:" + platform.httpPort);

    r = platform.cli("service", "delete", "made");
    assertThat(r.out()).isEqualTo("Service 'made' successfully deleted in namespace 'default'.\n");
    r = platform.cli("service", "delete", "made");
    assertThat(r.code()).isEqualTo(1);
    r = platform.cli("revision", "list", "-s", "made");
    assertThat(r.out()).doesNotContain("made-0000");
  }

  @Test
  void aClusterLocalServiceIsServedOnlyOnTheClusterDomainAndCanBeMadePublic() throws Exception {
    java.util.List<String> app = Platform.app(EchoApp.class.getName());
    var args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "service", "create", "inner", "--cluster-local", "-e", "TARGET=in", "--cmd"));
    args.add(app.get(0));
    app.subList(1, app.size()).forEach(a -> args.add("--arg=" + a));
    var r = platform.cli(args.toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();
    r = platform.cli("service", "describe", "inner", "-o", "url");
    assertThat(r.out().trim())
        .isEqualTo("http://inner.default.svc.cluster.local:" + platform.httpPort);

    for (String host :
        java.util.List.of(
            "inner.default.svc.cluster.local", "inner.default.svc", "inner.default")) {
      assertThat(Http.get(platform, host, "/").statusCode()).as(host).isEqualTo(200);
    }
    var outside = Http.get(platform, "inner.default.localhost", "/");
    assertThat(outside.statusCode()).as("the public host").isEqualTo(404);

    r = platform.cli("service", "update", "inner", "--no-cluster-local");
    assertThat(r.code()).as(r.toString()).isZero();
    // a label is metadata: no new generation for the CLI's wait to follow, so the URL follows
    // once the Route is reconciled
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(
            () -> platform.cli("service", "describe", "inner", "-o", "url").out().trim(),
            url -> url.equals("http://inner.default.localhost:" + platform.httpPort));
    assertThat(Http.get(platform, "inner.default.localhost", "/").statusCode()).isEqualTo(200);
    assertThat(platform.cli("revision", "list", "-s", "inner").out())
        .as("visibility is the Service's, not the template's: no new revision")
        .doesNotContain("inner-00002");

    Path bad =
        manifest(
            "vis.yaml",
            service("vis", "x")
                .replace(
                    "  name: vis",
                    "  name: vis\n  labels: {networking.knative.dev/visibility: internal}"));
    r = platform.cli("apply", "-f", bad.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("metadata.labels.networking.knative.dev/visibility")
        .contains("\"internal\" (expected: cluster-local)");
    assertThat(platform.cli("service", "list").out()).doesNotContain("vis ");
  }

  private static String readyAndReason(com.fasterxml.jackson.databind.JsonNode r) {
    for (var c : r.path("status").path("conditions")) {
      if (c.path("type").asText().equals("Ready")) {
        return c.path("status").asText() + " " + c.path("reason").asText();
      }
    }
    return "";
  }

  @Test
  void aDomainMappingServesItsServiceAtTheDomainUntilDeleted() throws Exception {
    java.util.List<String> app = Platform.app(EchoApp.class.getName());
    var args =
        new java.util.ArrayList<>(
            java.util.List.of("service", "create", "mapped", "-e", "TARGET=mapped", "--cmd"));
    args.add(app.get(0));
    app.subList(1, app.size()).forEach(a -> args.add("--arg=" + a));
    var r = platform.cli(args.toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();

    String domain = "www.mapped.test";
    r = platform.cli("domain", "create", domain, "--ref", "ksvc:mapped");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .isEqualTo("Domain mapping 'www.mapped.test' created in namespace 'default'.\n");
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> Http.get(platform, domain, "/").statusCode() == 200);
    var served = Http.get(platform, domain + ":" + platform.httpPort, "/");
    assertThat(served.statusCode()).as("with the port in Host").isEqualTo(200);
    assertThat(served.body()).contains("env TARGET=mapped").contains("header host=" + domain);

    r = platform.cli("domain", "create", domain, "-n", "other", "--ref", "mapped");
    assertThat(r.code()).as(r.toString()).isZero();
    r =
        platform.run(
            """
            apiVersion: serving.knative.dev/v1alpha1
            kind: DomainMapping
            metadata: {name: missing.mapped.test}
            spec:
              ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: nope}
            """,
            "apply",
            "-f",
            "-");
    assertThat(r.out())
        .as(r.toString())
        .isEqualTo("domainmapping.serving.knative.dev/missing.mapped.test created\n");
    String path = "/apis/serving.knative.dev/v1beta1/namespaces/%s/domainmappings/%s";
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(
            () ->
                Http.resource(platform, path.formatted("other", domain))
                        .map(CliIT::readyAndReason)
                        .orElse("")
                        .equals("False DomainAlreadyClaimed")
                    && Http.resource(platform, path.formatted("default", "missing.mapped.test"))
                        .map(CliIT::readyAndReason)
                        .orElse("")
                        .equals("False ResolveFailed"));
    r = platform.cli("domain", "list", "-A");
    assertThat(r.out().split("\n")[0].split("\\s+"))
        .containsExactly("NAMESPACE", "NAME", "URL", "READY", "KSVC", "REASON");
    assertThat(r.out())
        .containsPattern("default +www.mapped.test +http://www.mapped.test:\\d+ +True +mapped")
        .containsPattern("other +www.mapped.test .* +False +mapped +DomainAlreadyClaimed")
        .containsPattern("default +missing.mapped.test .* +False +nope +ResolveFailed");

    r = platform.cli("describe", "dm", "missing.mapped.test");
    assertThat(r.out())
        .contains("Kind:        Service")
        .contains("ResolveFailed")
        .contains("Service \"nope\" not found.");

    r = platform.cli("domain", "delete", domain);
    assertThat(r.out())
        .isEqualTo("Domain mapping 'www.mapped.test' deleted in namespace 'default'.\n");
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(() -> Http.get(platform, domain, "/").statusCode() == 404);
  }

  @Test
  void badFlagsExitNonZeroNamingTheFlag() throws Exception {
    var r = platform.cli("service", "create", "x", "--scale", "a..b", "--cmd", "true", "--no-wait");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--scale");
    r = platform.cli("service", "create", "x", "--env", "NOEQUALS", "--cmd", "true", "--no-wait");
    assertThat(r.err()).contains("--env: \"NOEQUALS\" (expected: KEY=VALUE)");
    r = platform.cli("get", "widgets");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("KIND: \"widgets\"");
    r = platform.cli("service", "list", "--no-such-flag");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--no-such-flag");
    r = platform.cli("service", "list", "--server", "http://127.0.0.1:1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("cannot reach the Coldbrew API at http://127.0.0.1:1");
  }

  @Test
  void serveRefusesBadFlagsAndConfigNamingTheKey() throws Exception {
    var r = platform.cli("serve", "--http-port", "70000");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--http-port: 70000 (expected: 0..65535)");
    Path cfg =
        manifest(
            "bad-config.yaml",
            "autoscaler:\n  stable-window: 3s\n  no-such-key: 1\nnetworking: {}\n");
    r =
        platform.cli(
            "serve", "--config", cfg.toString(), "--data-dir", dir.resolve("other").toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("autoscaler.stable-window")
        .contains("autoscaler.no-such-key")
        .contains("networking");
  }

  @Test
  void everythingAppliedSurvivesARestart() throws Exception {
    platform.cli("apply", "-f", manifest("keep.yaml", service("kept", "x")).toString());
    assertThat(platform.stop())
        .as("exit status after SIGTERM: 143 = stopped by the signal, cleanly")
        .isEqualTo(143);
    platform.start();
    var r = platform.cli("service", "list", "kept");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out())
        .contains("kept")
        .contains("http://kept.default.localhost:" + platform.httpPort);
    r = platform.cli("revision", "list", "-s", "kept");
    assertThat(r.out()).contains("kept-00001");
  }
}

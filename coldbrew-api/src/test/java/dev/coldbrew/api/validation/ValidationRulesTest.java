package dev.coldbrew.api.validation;

import static dev.coldbrew.api.validation.Manifests.defaulted;
import static dev.coldbrew.api.validation.Manifests.errorsOf;
import static dev.coldbrew.api.validation.Manifests.withContainer;
import static dev.coldbrew.api.validation.Manifests.withImage;
import static dev.coldbrew.api.validation.Manifests.withTemplateSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.model.EnvVar;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Service;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ValidationRulesTest {
  private static final ValidationContext CTX = ValidationContext.standard();

  static Iterable<String> validManifests() {
    return Manifests.VALID;
  }

  @ParameterizedTest
  @MethodSource("validManifests")
  void acceptsValidManifests(String yaml) {
    assertThat(errorsOf(yaml)).isEmpty();
  }

  @Test
  void reportsEveryErrorAtOnce() {
    String yaml =
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: Hello
          annotations: {autoscaling.knative.dev/min-scale: "2"}
        spec:
          template:
            spec:
              containers:
                - image: Nginx
                  ports: [{containerPort: 9090}]
              containerConcurrency: 2000
          traffic:
            - percent: 120
            - revisionName: Hello-1
              percent: 10
              tag: a
            - percent: 0
              tag: a
        """;
    Resource r = defaulted(yaml);
    assertThatThrownBy(() -> Validation.validate(r, CTX))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldError::path)
                    .containsExactlyInAnyOrder(
                        "metadata.name",
                        "metadata.annotations.autoscaling.knative.dev/min-scale",
                        "spec.template.spec.containers[0].image",
                        "spec.template.spec.containers[0].ports[0].containerPort",
                        "spec.template.spec.containerConcurrency",
                        "spec.traffic[0].percent",
                        "spec.traffic[1].revisionName",
                        "spec.traffic[2].tag",
                        "spec.traffic"))
        .hasMessageContaining("spec.traffic[0].percent: 120 (expected: 0..100)");
  }

  @Test
  void localRuntimeRunsImagesExecAndGrpcProbes() {
    String exec =
        withImage(
            "ghcr.io/knative/helloworld-go:latest",
            "readinessProbe:\n  exec: {command: [cat, /tmp/ready]}");
    assertThat(errorsOf(exec)).isEmpty();
    String grpc =
        withImage(
            "ghcr.io/knative/helloworld-go:latest",
            "readinessProbe:\n  grpc: {port: 8080, service: greeter}");
    assertThat(errorsOf(grpc)).isEmpty();
    // another port: each local instance listens on its own PORT; a cluster's pod may use it
    String other =
        withImage("ghcr.io/knative/helloworld-go:latest", "readinessProbe:\n  grpc: {port: 9090}");
    assertThat(errorsOf(other))
        .extracting(FieldError::path)
        .containsExactly("spec.template.spec.containers[0].readinessProbe.grpc.port");
    assertThat(errorsOf(other, CTX.withLocalRuntime(false))).isEmpty();
  }

  @Test
  void containerConcurrencyZeroCanBeDisallowed() {
    DefaultsConfig strict =
        DefaultsConfig.fromMap(
            "defaults",
            Map.of("allow-container-concurrency-zero", "false", "container-concurrency", "1"));
    ValidationContext ctx =
        new ValidationContext(strict, CTX.deployment(), CTX.domain(), CTX.autoscaler(), true);
    assertThat(errorsOf(withTemplateSpec("containerConcurrency: 0"), ctx))
        .containsExactly(
            FieldError.invalid("spec.template.spec.containerConcurrency", 0L, "1..1000"));
    assertThat(errorsOf(withContainer(""), ctx)).isEmpty();
  }

  @Test
  void timeoutLimitsFollowTheConfig() {
    DefaultsConfig longer =
        DefaultsConfig.fromMap("defaults", Map.of("max-revision-timeout-seconds", "3600"));
    ValidationContext ctx =
        new ValidationContext(longer, CTX.deployment(), CTX.domain(), CTX.autoscaler(), true);
    assertThat(errorsOf(withTemplateSpec("timeoutSeconds: 3600"), ctx)).isEmpty();
    assertThat(errorsOf(withTemplateSpec("timeoutSeconds: 3600"))).hasSize(1);
  }

  @Test
  void templateChangeNeedsNewRevisionName() {
    Service old = (Service) defaulted(Manifests.SPLIT);
    Service same = ResourceCodec.copy(old);
    Validation.validateUpdate(old, same, CTX);

    Service changed = ResourceCodec.copy(old);
    changed.spec.template.spec.container().env = java.util.List.of(new EnvVar("MODE", "fast"));
    assertThatThrownBy(() -> Validation.validateUpdate(old, changed, CTX))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        new FieldError(
                            "spec.template.metadata.name",
                            "\"hello-v2\" must change when the template changes: saw changes to"
                                + " the template without a name change")));

    changed.spec.template.metadata.name = "hello-v3";
    Validation.validateUpdate(old, changed, CTX);

    Service trafficOnly = ResourceCodec.copy(old);
    trafficOnly.spec.traffic.get(0).percent = 70L;
    trafficOnly.spec.traffic.get(1).percent = 30L;
    Validation.validateUpdate(old, trafficOnly, CTX);
  }

  @Test
  void templateWithoutOwnNameMayChange() {
    Service old = (Service) defaulted(Manifests.HELLO);
    Service changed = ResourceCodec.copy(old);
    changed.spec.template.spec.containerConcurrency = 50L;
    Validation.validateUpdate(old, changed, CTX);
  }

  @Test
  void revisionSpecIsImmutable() {
    Revision old = (Revision) defaulted(Manifests.REVISION);
    Revision relabelled = ResourceCodec.copy(old);
    relabelled.metadata.labels().put("serving.knative.dev/routingState", "active");
    Validation.validateUpdate(old, relabelled, CTX);

    Revision changed = ResourceCodec.copy(old);
    changed.spec.timeoutSeconds = 10L;
    assertThatThrownBy(() -> Validation.validateUpdate(old, changed, CTX))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        new FieldError(
                            "spec", "immutable fields changed (a Revision cannot be changed)")));
  }

  @Test
  void creatorAnnotationCannotChange() {
    Service old = (Service) defaulted(Manifests.HELLO);
    old.metadata.annotations().put("serving.knative.dev/creator", "alice");
    Service changed = ResourceCodec.copy(old);
    changed.metadata.annotations().put("serving.knative.dev/creator", "mallory");
    assertThatThrownBy(() -> Validation.validateUpdate(old, changed, CTX))
        .isInstanceOfSatisfying(
            ValidationException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        new FieldError(
                            "metadata.annotations.serving.knative.dev/creator",
                            "\"mallory\" (expected: \"alice\" (it cannot change))")));
  }

  @Test
  void updateChecksTheNewResourceToo() {
    Service old = (Service) defaulted(Manifests.HELLO);
    Service changed = ResourceCodec.copy(old);
    changed.spec.traffic.get(0).percent = 50L;
    assertThatThrownBy(() -> Validation.validateUpdate(old, changed, CTX))
        .hasMessage("spec.traffic: traffic targets sum to 50, want 100");
  }

  @Test
  void kindCannotChange() {
    Resource old = defaulted(Manifests.CONFIGURATION);
    Resource updated = defaulted(Manifests.HELLO);
    assertThatThrownBy(() -> Validation.validateUpdate(old, updated, CTX))
        .hasMessageContaining(
            "kind: \"Service\" (expected: Configuration (the kind cannot change))");
  }

  @Test
  void statusIsNotValidated() {
    Service s = (Service) defaulted(Manifests.HELLO);
    s.status = new Service.ServiceStatus();
    s.status.url = "not a url";
    s.status.traffic = java.util.List.of(new dev.coldbrew.api.model.TrafficTarget());
    assertThat(Validation.errors(s, CTX)).isEmpty();
  }

  @Test
  void nullsInListsAreErrorsNotCrashes() {
    String yaml =
        withContainer("env:\n  -\n  - {name: A, value: b}\nargs: [null]")
            + "  traffic:\n    -\n    - percent: 100\n";
    assertThat(errorsOf(yaml))
        .containsExactly(
            FieldError.invalid("spec.template.spec.containers[0].args[0]", null, "a string"),
            FieldError.invalid(
                "spec.template.spec.containers[0].env[0]", null, "an environment variable"),
            FieldError.invalid("spec.traffic[0]", null, "a traffic target"));
  }

  @Test
  void secretsAndConfigMapsInEnvAreRefusedLocallyOnlyNamingTheField() {
    String yaml =
        withContainer(
            """
            env:
              - {name: A, value: x}
              - {name: GREETING, valueFrom: {configMapKeyRef: {name: c, key: k}}}
            envFrom: [{secretRef: {name: s}}]
            """);
    assertThat(errorsOf(yaml))
        .extracting(FieldError::path)
        .containsExactly(
            "spec.template.spec.containers[0].env[1].valueFrom",
            "spec.template.spec.containers[0].envFrom");
    assertThat(errorsOf(yaml, CTX.withLocalRuntime(false))).isEmpty();
  }
}

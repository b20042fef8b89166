package dev.coldbrew.api.validation;

import static dev.coldbrew.api.validation.Manifests.defaulted;
import static dev.coldbrew.api.validation.Manifests.errorsOf;
import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.api.model.Kind;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** DomainMapping manifests: what is accepted, and each refusal exactly as a user sees it. */
class DomainMappingValidationTest {
  private static final String MAPPING =
      """
      apiVersion: serving.knative.dev/v1beta1
      kind: DomainMapping
      metadata: {name: www.example.com, namespace: default}
      spec:
        ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: hello}
      """;

  @Test
  void aMappingToAServiceIsValidAndItsRefTakesTheMappingsNamespace() {
    assertThat(errorsOf(MAPPING)).isEmpty();
    DomainMapping dm = (DomainMapping) defaulted(MAPPING);
    assertThat(dm.spec.ref.namespace).isEqualTo("default");
    assertThat(errorsOf(MAPPING.replace("kind: Service", "kind: Route"))).isEmpty();
    assertThat(errorsOf(MAPPING.replace("www.example.com", "example.com")))
        .as("an apex domain")
        .isEmpty();
  }

  @Test
  void v1alpha1IsAcceptedAndStoredAsV1beta1() {
    DomainMapping dm = (DomainMapping) defaulted(MAPPING.replace("v1beta1", "v1alpha1"));
    assertThat(dm.resourceKind()).isEqualTo(Kind.DOMAIN_MAPPING);
    assertThat(dm.apiVersion).isEqualTo("serving.knative.dev/v1beta1");
  }

  static Stream<Arguments> invalid() {
    String domain = Names.DOMAIN_EXPECTED;
    return Stream.of(
        Arguments.of(
            "an underscore in the domain",
            MAPPING.replace("www.example.com", "Foo_bar"),
            List.of(new FieldError("metadata.name", "\"Foo_bar\" (expected: " + domain + ")"))),
        Arguments.of(
            "a single label",
            MAPPING.replace("www.example.com", "hello"),
            List.of(new FieldError("metadata.name", "\"hello\" (expected: " + domain + ")"))),
        Arguments.of(
            "a label of 64 characters",
            MAPPING.replace("www.example.com", "a".repeat(64) + ".example.com"),
            List.of(
                new FieldError(
                    "metadata.name",
                    "\"" + "a".repeat(64) + ".example.com\" (expected: " + domain + ")"))),
        Arguments.of(
            "a domain of the cluster's own",
            MAPPING.replace("www.example.com", "hello.default.svc.cluster.local"),
            List.of(
                new FieldError(
                    "metadata.name",
                    "\"hello.default.svc.cluster.local\" (expected: a domain outside the cluster's"
                        + " own svc.cluster.local)"))),
        Arguments.of(
            "no ref",
            MAPPING.replace(
                "  ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: hello}", "  {}"),
            List.of(new FieldError("spec.ref", "missing required field"))),
        Arguments.of(
            "a ref without kind and name",
            MAPPING.replace(", kind: Service, name: hello", ""),
            List.of(
                new FieldError("spec.ref.kind", "missing required field"),
                new FieldError("spec.ref.name", "missing required field"))),
        Arguments.of(
            "a ref to a kind that is not served",
            MAPPING.replace(
                "apiVersion: serving.knative.dev/v1, kind: Service",
                "apiVersion: apps/v1, kind: Deployment"),
            List.of(
                new FieldError(
                    "spec.ref.apiVersion", "\"apps/v1\" (expected: serving.knative.dev/v1)"),
                new FieldError("spec.ref.kind", "\"Deployment\" (expected: Service or Route)"))),
        Arguments.of(
            "a ref to another namespace",
            MAPPING.replace("name: hello}", "name: hello, namespace: other}"),
            List.of(
                new FieldError(
                    "spec.ref.namespace",
                    "\"other\" (expected: \"default\", the DomainMapping's own namespace)"))),
        Arguments.of(
            "tls",
            MAPPING + "  tls: {secretName: www-cert}\n",
            List.of(
                new FieldError(
                    "spec.tls",
                    "{secretName: \"www-cert\"} (expected: unset: the gateway does not terminate"
                        + " TLS; terminate it in front of Coldbrew)"))),
        Arguments.of(
            "generateName",
            MAPPING.replace("name: www.example.com", "generateName: www-"),
            List.of(
                new FieldError(
                    "metadata.generateName",
                    "\"www-\" (expected: unset: a DomainMapping's name is its domain)"),
                new FieldError("metadata.name", "missing required field (the domain)"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void isRefusedNamingTheFieldTheValueAndWhatIsExpected(
      String name, String yaml, List<FieldError> expected) {
    assertThat(errorsOf(yaml)).containsExactlyElementsOf(expected);
  }
}

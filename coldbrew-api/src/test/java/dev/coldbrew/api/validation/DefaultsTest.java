package dev.coldbrew.api.validation;

import static dev.coldbrew.api.validation.Manifests.defaulted;
import static dev.coldbrew.api.validation.Manifests.withContainer;
import static dev.coldbrew.api.validation.Manifests.withServiceSpec;
import static dev.coldbrew.api.validation.Manifests.withTemplateSpec;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.config.DefaultsConfig;
import dev.coldbrew.api.model.Configuration;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.model.Revision;
import dev.coldbrew.api.model.Route;
import dev.coldbrew.api.model.Service;
import dev.coldbrew.api.model.TrafficTarget;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DefaultsTest {
  private static final DefaultsConfig CONFIG = DefaultsConfig.defaults();

  @Test
  void minimalServiceGetsKnativeDefaults() {
    Service s = (Service) defaulted(withContainer(""));
    assertThat(s.metadata.namespace).isEqualTo("default");
    assertThat(s.spec.traffic).hasSize(1);
    assertThat(s.spec.traffic.get(0).percent).isEqualTo(100L);
    assertThat(s.spec.traffic.get(0).latestRevision).isTrue();
    assertThat(s.spec.traffic.get(0).revisionName).isNull();
    var spec = s.spec.template.spec;
    assertThat(spec.timeoutSeconds).isEqualTo(300L);
    assertThat(spec.containerConcurrency).isZero();
    assertThat(spec.container().name).isEqualTo("user-container");
    assertThat(spec.container().ports).as("the runtime assumes 8080").isNull();
    assertThat(spec.responseStartTimeoutSeconds).as("300 is not below 300").isNull();
    assertThat(spec.idleTimeoutSeconds).as("0 = disabled").isNull();
  }

  @Test
  void keepsWhatTheUserSet() {
    Service s = (Service) defaulted(Manifests.HELLO);
    assertThat(s.spec.template.spec.timeoutSeconds).isEqualTo(120L);
    assertThat(s.spec.template.spec.containerConcurrency).isEqualTo(10L);
  }

  @Test
  void zeroTimeoutMeansTheDefault() {
    Service s = (Service) defaulted(withTemplateSpec("timeoutSeconds: 0"));
    assertThat(s.spec.template.spec.timeoutSeconds).isEqualTo(300L);
  }

  @Test
  void responseStartDefaultAppliesBelowTheTimeout() {
    Service s = (Service) defaulted(withTemplateSpec("timeoutSeconds: 600"));
    assertThat(s.spec.template.spec.responseStartTimeoutSeconds).isEqualTo(300L);
    assertThat(s.spec.template.spec.idleTimeoutSeconds).isNull();
  }

  @Test
  void idleDefaultFromConfig() {
    DefaultsConfig config =
        DefaultsConfig.fromMap("defaults", Map.of("revision-idle-timeout-seconds", 60));
    Service s = (Service) Defaults.apply(ResourceCodec.decodeOne(withContainer("")), config);
    assertThat(s.spec.template.spec.idleTimeoutSeconds).isEqualTo(60L);
  }

  @Test
  void trafficTargetsGetLatestRevisionAndPercent() {
    Service s =
        (Service)
            defaulted(
                withServiceSpec(
                    """
                    traffic:
                      - revisionName: hello-00001
                        percent: 100
                      - tag: next
                    """));
    TrafficTarget pinned = s.spec.traffic.get(0);
    TrafficTarget latest = s.spec.traffic.get(1);
    assertThat(pinned.latestRevision).isFalse();
    assertThat(latest.latestRevision).isTrue();
    assertThat(latest.percent).isZero();
  }

  @Test
  void emptyTrafficIsTheLatestRevision() {
    Service s = (Service) defaulted(withServiceSpec("traffic: []"));
    assertThat(s.spec.traffic)
        .singleElement()
        .satisfies(t -> assertThat(t.percent).isEqualTo(100L));
  }

  @Test
  void routeTrafficIsNotInvented() {
    Route r =
        (Route) defaulted("apiVersion: serving.knative.dev/v1\nkind: Route\nmetadata: {name: r}\n");
    assertThat(r.spec.traffic).isNull();
    Route withTargets = (Route) defaulted(Manifests.ROUTE);
    assertThat(withTargets.spec.traffic.get(0).latestRevision).isTrue();
    assertThat(withTargets.spec.traffic.get(1).latestRevision).isFalse();
  }

  @Test
  void configurationAndRevisionAreDefaulted() {
    Configuration c = (Configuration) defaulted(Manifests.CONFIGURATION);
    assertThat(c.spec.template.spec.container().name).isEqualTo("user-container");
    Revision r = (Revision) defaulted(Manifests.REVISION);
    assertThat(r.spec.containerConcurrency).isZero();
    assertThat(r.metadata.namespace).isEqualTo("default");
  }

  @Test
  void containerNameFromConfig() {
    DefaultsConfig config =
        DefaultsConfig.fromMap("defaults", Map.of("container-name-template", "app"));
    Service s = (Service) Defaults.apply(ResourceCodec.decodeOne(withContainer("")), config);
    assertThat(s.spec.template.spec.container().name).isEqualTo("app");
  }

  @Test
  void missingObjectsAreCreatedNotCrashedOn() {
    Service s =
        (Service)
            defaulted("apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata:\nspec:\n");
    assertThat(s.metadata.namespace).isEqualTo("default");
    assertThat(s.spec.template.spec.timeoutSeconds).isEqualTo(300L);
  }

  static Iterable<String> validManifests() {
    return Manifests.VALID;
  }

  @ParameterizedTest
  @MethodSource("validManifests")
  void defaultingIsIdempotent(String yaml) {
    Resource once = defaulted(yaml);
    String first = ResourceCodec.toYaml(once);
    Resource twice = Defaults.apply(ResourceCodec.copy(once), CONFIG);
    assertThat(ResourceCodec.toYaml(twice)).isEqualTo(first);
  }

  /** Without empty objects, and with every number as a decimal, to compare trees by content. */
  private static JsonNode normalized(JsonNode node) {
    if (node.isNumber()) {
      return DecimalNode.valueOf(node.decimalValue().stripTrailingZeros());
    }
    if (node instanceof ObjectNode o) {
      ObjectNode out = JsonNodeFactory.instance.objectNode();
      o.properties()
          .forEach(
              e -> {
                JsonNode v = normalized(e.getValue());
                if (!(v.isObject() && v.isEmpty())) {
                  out.set(e.getKey(), v);
                }
              });
      return out;
    }
    if (node instanceof ArrayNode a) {
      ArrayNode out = JsonNodeFactory.instance.arrayNode();
      a.forEach(v -> out.add(normalized(v)));
      return out;
    }
    return node;
  }

  @ParameterizedTest
  @MethodSource("validManifests")
  void roundTripsThroughYamlAndJson(String yaml) {
    Resource decoded = ResourceCodec.decodeOne(yaml);
    Resource fromYaml = ResourceCodec.decodeOne(ResourceCodec.toYaml(decoded));
    assertThat(ResourceCodec.toTree(fromYaml)).isEqualTo(ResourceCodec.toTree(decoded));
    Resource fromJson = ResourceCodec.decodeOne(ResourceCodec.toJson(decoded));
    assertThat(ResourceCodec.toTree(fromJson)).isEqualTo(ResourceCodec.toTree(decoded));
    assertThat(ResourceCodec.toYaml(fromYaml)).isEqualTo(ResourceCodec.toYaml(decoded));
    // nothing the user wrote is lost or changes type
    assertThat(normalized(ResourceCodec.toTree(decoded)))
        .isEqualTo(normalized(ResourceCodec.split(yaml).get(0)));

    Resource defaulted = defaulted(yaml);
    Resource again = ResourceCodec.decodeOne(ResourceCodec.toYaml(defaulted));
    assertThat(ResourceCodec.toTree(again)).isEqualTo(ResourceCodec.toTree(defaulted));
    assertThat(Validation.errors(again, ValidationContext.standard())).isEmpty();
  }
}

package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coldbrew.api.model.Kind;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CrdsTest {
  @Test
  void shippedCrdsAreWhatTheCodeDefines() throws Exception {
    Golden.assertShipped(Crds.INSTALL_FILE, Crds.yaml());
    for (Kind k : Crds.kinds()) {
      Golden.assertShipped("crds/" + Crds.fileName(k), Crds.yaml(k));
    }
  }

  @Test
  void installFileParsesIntoOneCrdPerCustomKind() throws Exception {
    List<HasMetadata> docs = Manifests.load(Crds.INSTALL_FILE);
    assertThat(docs)
        .extracting(d -> d.getMetadata().getName())
        .containsExactly(
            "services.serving.coldbrew.dev",
            "configurations.serving.coldbrew.dev",
            "revisions.serving.coldbrew.dev",
            "routes.serving.coldbrew.dev",
            "domainmappings.serving.coldbrew.dev",
            "podautoscalers.autoscaling.internal.coldbrew.dev",
            "serverlessservices.networking.internal.coldbrew.dev");
    Set<String> shortNames = new HashSet<>();
    for (HasMetadata d : docs) {
      CustomResourceDefinition crd = (CustomResourceDefinition) d;
      Kind kind =
          Kind.byPath(
                  ClusterKinds.fromCluster(crd.getSpec().getGroup() + "/x").split("/")[0],
                  crd.getSpec().getVersions().get(0).getName(),
                  crd.getSpec().getNames().getPlural())
              .orElseThrow();
      assertThat(crd.getSpec().getGroup()).endsWith(".coldbrew.dev");
      assertThat(crd.getSpec().getNames().getKind()).isEqualTo(kind.kindName());
      assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
      CustomResourceDefinitionVersion v = crd.getSpec().getVersions().get(0);
      assertThat(v.getServed()).isTrue();
      assertThat(v.getStorage()).isTrue();
      assertThat(v.getSubresources().getStatus()).isNotNull();
      assertThat(v.getSchema().getOpenAPIV3Schema().getType()).isEqualTo("object");
      assertThat(
              v.getSchema()
                  .getOpenAPIV3Schema()
                  .getProperties()
                  .get("spec")
                  .getXKubernetesPreserveUnknownFields())
          .isTrue();
      assertThat(v.getAdditionalPrinterColumns())
          .extracting(c -> c.getName())
          .contains("Ready", "Reason");
      for (String s : crd.getSpec().getNames().getShortNames()) {
        assertThat(s).startsWith("cb");
        assertThat(shortNames.add(s)).as("short name %s used once", s).isTrue();
      }
      assertThat(crd.getSpec().getNames().getCategories())
          .containsAnyOf("coldbrew", "coldbrew-internal");
    }
  }

  @Test
  void sksShowsItsModeLikeKnatives() {
    CustomResourceDefinition sks = Crds.of(Kind.SERVERLESS_SERVICE);
    assertThat(sks.getSpec().getVersions().get(0).getAdditionalPrinterColumns())
        .extracting(c -> c.getName() + "=" + c.getJsonPath())
        .containsExactly(
            "Mode=.spec.mode",
            "Activators=.spec.numActivators",
            "ServiceName=.status.serviceName",
            "PrivateServiceName=.status.privateServiceName",
            "Ready=.status.conditions[?(@.type=='Ready')].status",
            "Reason=.status.conditions[?(@.type=='Ready')].reason");
    assertThat(sks.getSpec().getNames().getShortNames()).containsExactly("cbsks");
    assertThat(sks.getSpec().getNames().getCategories()).containsExactly("coldbrew-internal");
  }

  @Test
  void endpointsHaveNoCrd() {
    assertThat(Crds.kinds()).doesNotContain(Kind.ENDPOINTS);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Crds.of(Kind.ENDPOINTS))
        .isInstanceOf(IllegalArgumentException.class);
  }
}

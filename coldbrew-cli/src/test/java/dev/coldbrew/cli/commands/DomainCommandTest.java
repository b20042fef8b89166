package dev.coldbrew.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coldbrew.api.model.DomainMapping;
import dev.coldbrew.cli.UsageException;
import org.junit.jupiter.api.Test;

/** {@code domain create --ref}: kn's reference forms, and the refusal of any other. */
class DomainCommandTest {
  private static String ref(String value) {
    DomainMapping.Reference r = DomainCommand.parseRef(value, "default");
    return r.apiVersion + " " + r.kind + " " + r.namespace + "/" + r.name;
  }

  @Test
  void aRefIsAServiceUnlessItSaysRouteAndInTheCommandsNamespaceUnlessItNamesOne() {
    assertThat(ref("hello")).isEqualTo("serving.knative.dev/v1 Service default/hello");
    assertThat(ref("ksvc:hello")).isEqualTo("serving.knative.dev/v1 Service default/hello");
    assertThat(ref("ksvc:hello:prod")).isEqualTo("serving.knative.dev/v1 Service prod/hello");
    assertThat(ref("route:hello")).isEqualTo("serving.knative.dev/v1 Route default/hello");
    assertThat(ref("kroute:hello:prod")).isEqualTo("serving.knative.dev/v1 Route prod/hello");
  }

  @Test
  void anotherKindOrShapeIsAUsageErrorNamingTheFlag() {
    String expected =
        "(expected: ksvc:NAME[:NAMESPACE], route:NAME[:NAMESPACE] or NAME (a Service))";
    assertThatThrownBy(() -> DomainCommand.parseRef("svc:hello", "default"))
        .isInstanceOf(UsageException.class)
        .hasMessage("--ref: \"svc:hello\": \"svc\" is not a kind a domain can map to " + expected);
    assertThatThrownBy(() -> DomainCommand.parseRef("ksvc:a:b:c", "default"))
        .isInstanceOf(UsageException.class)
        .hasMessage("--ref: \"ksvc:a:b:c\" " + expected);
    assertThatThrownBy(() -> DomainCommand.parseRef("ksvc:", "default"))
        .isInstanceOf(UsageException.class)
        .hasMessage("--ref: \"ksvc:\" " + expected);
  }
}

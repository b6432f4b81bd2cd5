package dev.imagegallery.access.domain;

import dev.imagegallery.common.arm.ArmException;
import dev.imagegallery.common.security.BuiltInRoles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RoleDefinitionFilterTest {

    static List<String> names(String filter) {
        return BuiltInRoles.ALL.stream().filter(RoleDefinitionFilter.parse(filter)).map(BuiltInRoles.Role::name)
                .toList();
    }

    @Test
    void aRoleNameFilterAnswersThatRoleAlone() {
        assertEquals(List.of("Reader"), names("roleName eq 'Reader'"));
        assertEquals(List.of("Compute Gallery Sharing Admin"), names("roleName eq 'Compute Gallery Sharing Admin'"));
        assertEquals(List.of("Reader"), names("ROLENAME EQ 'reader'"));
        assertEquals(List.of(), names("roleName eq 'Nobody'"));
    }

    @Test
    void typeAndRoleNameCombineWithAnd() {
        assertEquals(BuiltInRoles.ALL.size(), names("type eq 'BuiltInRole'").size());
        assertEquals(List.of(), names("type eq 'CustomRole'"));
        assertEquals(List.of("Owner"), names("roleName eq 'Owner' and type eq 'BuiltInRole'"));
        assertEquals(List.of("Owner"), names("  type eq 'BuiltInRole'   and   roleName eq 'Owner'  "));
        assertEquals(List.of(), names("roleName eq 'Owner' and type eq 'CustomRole'"));
        assertEquals(List.of(), names("roleName eq 'it''s'"));
        assertEquals(BuiltInRoles.ALL.size(), names(null).size());
        assertEquals(BuiltInRoles.ALL.size(), names(" ").size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"roleName eq Reader", "roleName eq 'Reader' or type eq 'BuiltInRole'", "roleName eq 'Reader' and",
            "roleName eq 'Reader' and ", "and roleName eq 'Reader'", "roleName ne 'Reader'", "name eq 'Reader'",
            "roleName eq 'Reader'x", "roleName eq 'Reader''", "type eq 'Other'",
            "roleName eq 'Reader' andtype eq 'BuiltInRole'", "atScope()"})
    void aFilterItCannotParseIs400NamingTheFilter(String filter) {
        ArmException e = assertThrows(ArmException.class, () -> RoleDefinitionFilter.parse(filter));
        assertEquals(400, e.status());
        assertEquals("$filter", e.target());
    }

    @Test
    void aFilterOver300CharactersIsRefused() {
        String filter = "roleName eq 'Reader'" + " and roleName eq 'Reader'".repeat(20);
        assertEquals(400, assertThrows(ArmException.class, () -> RoleDefinitionFilter.parse(filter)).status());
    }
}

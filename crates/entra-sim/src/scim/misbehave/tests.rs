use super::*;

#[test]
fn every_misbehaviour_fault_switches_one_on() {
    let faults = [
        Fault::ScimIgnoresPaging { page_size: 0 },
        Fault::ScimIgnoresCount { page_size: 7 },
        Fault::ScimUserNameCaseSensitive,
        Fault::ScimAttributeNamesCaseSensitive,
        Fault::ScimFilterDeclaredUnsupported,
        Fault::ScimDiscoveryWithoutTotals,
        Fault::ScimSchemasWithoutSchemas,
        Fault::ScimAbsoluteResourceTypeEndpoints,
        Fault::ScimItemsPerPageTooLarge,
        Fault::ScimUnauthorizedEmptyHtml,
        Fault::ScimHtmlNotFound,
        Fault::ScimStartIndexZeroRefused,
        Fault::ScimConflictWithoutScimType,
        Fault::ScimIgnoresExcludedAttributes,
        Fault::ScimFilterRefused,
        Fault::ScimGroupRenameUnsupported,
        Fault::ScimMemberRemovalRefused,
        Fault::ScimActiveStringRefused,
        Fault::ScimGroupFilterFindsNothing,
        Fault::ScimExternalIdFilterIgnored,
        Fault::ScimPatchIgnored,
    ];
    let each: Vec<Misbehaviours> = faults.iter().map(|f| Misbehaviours::of([f])).collect();
    for (i, m) in each.iter().enumerate() {
        assert!(!m.is_none(), "{:?}", faults[i]);
        assert!(
            each.iter().skip(i + 1).all(|o| o != m),
            "{:?} is another's",
            faults[i]
        );
    }
    let all = Misbehaviours::of(&faults);
    assert_eq!(all.ignores_paging, Some(1), "a page holds at least one");
    assert_eq!(all.ignores_count, Some(7));
    assert!(Misbehaviours::of(&[Fault::ScimHtmlPage]).is_none());
}

#[test]
fn filters_parse_or_not() {
    assert_eq!(
        parse_eq("userName eq \"A \\\"b\\\"\""),
        Some(("userName".into(), "A \"b\"".into()))
    );
    assert_eq!(parse_eq("userName sw \"a\""), None);
    assert_eq!(parse_eq("userName eq a"), None);
    assert_eq!(parse_eq(""), None);
}

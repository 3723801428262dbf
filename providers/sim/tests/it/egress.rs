//! Elastic IPs and NAT gateways on the sim: a gateway is `pending` for two
//! minutes of AWS time, its address serves no other gateway and cannot be
//! released while it stands, its subnet cannot be deleted under it, a route
//! needs a gateway that exists, and a deleted gateway is `deleting` for a
//! minute before its address is free again.

use strata_core::kinds;
use strata_core::provider::Operation;

use crate::*;

#[tokio::test]
async fn a_nat_gateway_comes_up_on_its_own_address_and_goes_before_it() {
    let (sim, clock) = sim();
    let (vpc, a, b) = network(&sim, &clock).await;
    let eip = ready(&sim, &clock, "eip", kinds::EIP, Attrs::new()).await;
    assert!(eip.starts_with("eipalloc-"), "{eip}");
    let public_ip = read(&sim, kinds::EIP, &eip).await.unwrap()["public_ip"].clone();
    assert!(public_ip
        .as_str()
        .is_some_and(|ip| ip.split('.').count() == 4));

    // A public gateway needs an address that exists.
    let without = attrs(&[("subnet_id", a.clone().into())]);
    assert_eq!(
        code(create(&sim, "bare", kinds::NAT_GATEWAY, without).await),
        "MissingParameter"
    );
    let gateway = |subnet: &str| {
        attrs(&[
            ("subnet_id", subnet.into()),
            ("allocation_id", eip.clone().into()),
        ])
    };
    let status = create(&sim, "nat", kinds::NAT_GATEWAY, gateway(&a))
        .await
        .unwrap();
    assert_eq!(pending_status(&status), Some("pending"));
    let nat = id_of(&status);
    assert!(nat.starts_with("nat-"), "{nat}");
    advance(&clock, 60);
    assert_eq!(
        read(&sim, kinds::NAT_GATEWAY, &nat).await.unwrap()["state"],
        Value::from("pending")
    );
    let live = wait(&sim, &clock, kinds::NAT_GATEWAY, &nat, Operation::Create).await;
    assert_eq!(live["state"], Value::from("available"));
    assert_eq!(live["public_ip"], public_ip);

    // One address, one gateway; the address and the subnet stay while it does.
    assert_eq!(
        code(create(&sim, "other", kinds::NAT_GATEWAY, gateway(&b)).await),
        "Resource.AlreadyAssociated"
    );
    assert_eq!(
        code(delete(&sim, kinds::EIP, &eip).await),
        "InvalidIPAddress.InUse"
    );
    assert_eq!(
        code(delete(&sim, kinds::SUBNET, &a).await),
        "DependencyViolation"
    );

    // A route to it, and to a gateway that does not exist.
    let route = |nat: &str| {
        let mut r = Attrs::new();
        r.insert("cidr_block".into(), "0.0.0.0/0".into());
        r.insert("nat_gateway_id".into(), nat.into());
        attrs(&[
            ("vpc_id", vpc.clone().into()),
            ("routes", Value::List(vec![Value::Map(r)])),
        ])
    };
    ready(&sim, &clock, "rt", kinds::ROUTE_TABLE, route(&nat)).await;
    assert_eq!(
        code(
            create(
                &sim,
                "rt2",
                kinds::ROUTE_TABLE,
                route("nat-0123456789abcdef0")
            )
            .await
        ),
        "InvalidNatGatewayID.NotFound"
    );

    // Deleting takes a minute; then the address can go.
    let status = delete(&sim, kinds::NAT_GATEWAY, &nat).await.unwrap();
    assert_eq!(pending_status(&status), Some("deleting"));
    wait(&sim, &clock, kinds::NAT_GATEWAY, &nat, Operation::Delete).await;
    assert!(read(&sim, kinds::NAT_GATEWAY, &nat).await.is_none());
    delete(&sim, kinds::EIP, &eip).await.unwrap();
    assert!(read(&sim, kinds::EIP, &eip).await.is_none());
}

//! Identifiers shaped like AWS's: `vpc-` plus 17 hex digits, ELB ARNs with a
//! 16-hex suffix, endpoints, and the account every sim resource belongs to.

/// The account id every simulated resource belongs to.
pub const ACCOUNT: &str = "123456789012";

/// `n` random lowercase hex digits.
pub fn hex(n: usize) -> String {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let chunk: u64 = rand::random();
        out.push_str(&format!("{chunk:016x}"));
    }
    out.truncate(n);
    out
}

/// An EC2-style id: `prefix-` and 17 hex digits (`vpc-0a1b…`).
pub fn ec2_id(prefix: &str) -> String {
    format!("{prefix}-{}", hex(17))
}

/// An ARN in this sim's account.
pub fn arn(service: &str, region: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{region}:{ACCOUNT}:{resource}")
}

/// The short region code ElastiCache endpoints use: `us-east-1` → `use1`.
pub fn short_region(region: &str) -> String {
    let parts: Vec<&str> = region.split('-').collect();
    match parts.as_slice() {
        [area, direction, number] => {
            let dir = match *direction {
                "east" => "e",
                "west" => "w",
                "north" => "n",
                "south" => "s",
                "central" => "c",
                "northeast" => "ne",
                "northwest" => "nw",
                "southeast" => "se",
                "southwest" => "sw",
                other => other.get(..1).unwrap_or("x"),
            };
            format!("{area}{dir}{number}")
        }
        _ => region.replace('-', ""),
    }
}

/// The Route 53 hosted zone of ALB DNS names in `region`.
pub fn elb_zone_id(region: &str) -> &'static str {
    match region {
        "us-east-1" => "Z35SXDOTRQ7X7K",
        "us-east-2" => "Z3AADJGX6KTTL2",
        "us-west-1" => "Z368ELLRRE2KJ0",
        "us-west-2" => "Z1H1FL5HABSF5",
        "eu-west-1" => "Z32O12XQLNTSW2",
        "eu-central-1" => "Z215JYRZR1TBD5",
        _ => "Z2P70J7HTTTPLU",
    }
}

/// An IPv4 network: base address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The network address as a number.
    pub base: u32,
    /// The prefix length.
    pub len: u8,
}

impl Cidr {
    /// Parses `10.0.1.0/24`; `None` if it is not a valid IPv4 CIDR block.
    pub fn parse(s: &str) -> Option<Self> {
        let (addr, len) = s.split_once('/')?;
        let addr: std::net::Ipv4Addr = addr.parse().ok()?;
        let len: u8 = len.parse().ok()?;
        if len > 32 {
            return None;
        }
        let base = u32::from(addr) & Self::mask(len);
        Some(Self { base, len })
    }

    fn mask(len: u8) -> u32 {
        if len == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(len))
        }
    }

    fn last(self) -> u32 {
        self.base | !Self::mask(self.len)
    }

    /// Whether `other` lies entirely inside this network.
    pub fn contains(self, other: Cidr) -> bool {
        other.len >= self.len && other.base >= self.base && other.last() <= self.last()
    }

    /// Whether the two networks share any address.
    pub fn overlaps(self, other: Cidr) -> bool {
        self.base <= other.last() && other.base <= self.last()
    }

    /// The `n`th host address, skipping the five AWS reserves (wraps around).
    pub fn host(self, n: u32) -> String {
        let size = self.last() - self.base + 1;
        let usable = size.saturating_sub(5).max(1);
        let addr = self.base + 4 + (n % usable);
        std::net::Ipv4Addr::from(addr).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_aws() {
        let id = ec2_id("vpc");
        assert!(id.starts_with("vpc-"));
        assert_eq!(id.len(), 4 + 17);
        assert!(id[4..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(short_region("us-east-1"), "use1");
        assert_eq!(short_region("ap-southeast-2"), "apse2");
    }

    #[test]
    fn cidr_containment_and_overlap() {
        let vpc = Cidr::parse("10.0.0.0/16");
        let a = Cidr::parse("10.0.1.0/24");
        let b = Cidr::parse("10.1.0.0/24");
        let (Some(vpc), Some(a), Some(b)) = (vpc, a, b) else {
            unreachable!("valid CIDRs")
        };
        assert!(vpc.contains(a));
        assert!(!vpc.contains(b));
        assert!(vpc.overlaps(a));
        assert!(!a.overlaps(b));
        assert_eq!(a.host(0), "10.0.1.4");
    }
}

// The inspector's year in the demo history, through the services the API uses: the authority's
// own reference standards, registered with their calibration; an on-site inspection a quarter at
// the fleet's fuel stations and packer (InspectionService: instruments examined with in-trade
// checks against those standards, findings of each kind answered and closed as enterprises and
// inspectors do, a dispenser sealed off and released before the year is out); and a mobile
// verification campaign on the markets of the fleet's market province (CampaignService: scales
// verified on the spot, those that pass registered under their market's tenant).
import type { Db } from '../src/store/db.ts';
import type { Registry } from '../src/store/registry.ts';
import type { AuditLog } from '../src/store/audit.ts';
import type { AlertBook } from '../src/alerts/alert-book.ts';
import type { Assurance } from '../src/alerts/assurance.ts';
import { ReferenceStandards } from '../src/alerts/reference-standards.ts';
import { InspectionStore } from '../src/store/inspections.ts';
import { CampaignStore } from '../src/store/campaigns.ts';
import { InspectionService, type InspectionCheckInput } from '../src/inspections/inspection-service.ts';
import { CampaignService } from '../src/inspections/campaign-service.ts';
import type { FindingKind, Market } from '../src/inspections/types.ts';
import type { InstrumentProfile } from '../src/metrology/profile.ts';
import type { ReferenceStandard } from '../src/metrology/traceability.ts';
import { addCalendarMonths } from '../src/metrology/verification.ts';
import { localDay, previousQuarter } from '../src/oversight/period.ts';
import { provinceNameOn, provinceOf } from '../src/oversight/provinces.ts';
import type { DevicePlan, ParsedFleet } from './fleet-file.ts';
import { DAY_MS } from './models/types.ts';
import { dayEnd, dayStart } from './certificate-days.ts';
import { createRng, deriveSeed, type Rng } from './prng.ts';
import { hanoiTime, type Agenda } from './demo-agenda.ts';

export interface InspectorParts {
  db: Db;
  registry: Registry;
  alerts: AlertBook;
  assurance: Assurance;
  audit: AuditLog;
  profiles: Map<string, InstrumentProfile>;
}

export interface InspectorTally {
  inspections: number;
  findings: number;
  /** Scales verified in the campaign, and how many passed. */
  verified: number;
  passed: number;
}

/** The authority's standards the inspectors carry, with U (k = 2) of their calibration. */
const STANDARDS: { standard: ReferenceStandard; uncertainty: number; traceableTo: string }[] = [
  {
    standard: {
      id: 'TDC-PM-20L-01',
      name: 'Bình chuẩn kim loại 20 L hạng II (Sở KH&CN)',
      quantity: 'volume',
      unit: 'L',
      kind: 'proving-measure',
      class: 'II',
      serial: 'BC20-TDC-01',
    },
    uncertainty: 0.004,
    traceableTo: 'VMI — chuẩn quốc gia dung tích',
  },
  // F2 500 g: MPE 7.5 mg (OIML R111), calibrated to a third of it
  {
    standard: {
      id: 'TDC-QC-F2-01',
      name: 'Bộ quả cân chuẩn F2 1 g – 2 kg (Sở KH&CN)',
      quantity: 'mass',
      unit: 'kg',
      kind: 'weights',
      class: 'F2',
      serial: 'QC-F2-TDC-01',
    },
    uncertainty: 0.0000025,
    traceableTo: 'VMI — chuẩn quốc gia khối lượng',
  },
];

const INSPECTORS: Record<string, string[]> = {
  'VN-HN': ['Nguyễn Văn Thắng', 'Đỗ Thị Thu Hà'],
  'VN-TN': ['Trần Quốc Bảo', 'Lê Thị Ngọc Hân'],
  'VN-BG': ['Hoàng Văn Long', 'Ngô Thị Thảo'],
};
/**
 * The day Vietnam's two-tier local government began (Resolution 202/2025/QH15 and the Standing
 * Committee's resolutions of June 2025): provinces merged (Bắc Giang into Bắc Ninh), districts
 * (huyện) gone, xã and phường under the province.
 */
const REORGANISED = '2025-07-01';
const ZONE = 'Asia/Ho_Chi_Minh';

/**
 * The authority that inspects and verifies in the province of `region` on the day of `at`: before
 * the 2025 reorganisation its Chi cục Tiêu chuẩn Đo lường Chất lượng; from 1 July 2025 the
 * province's Sở Khoa học và Công nghệ ("Sở Khoa học và Công nghệ tỉnh Bắc Ninh" for VN-BG,
 * "… thành phố Hà Nội"), under the province's name of that day (provinces-vn.json's successors).
 * That the Chi cục were merged into the Sở in 2025 is not confirmed by a source read here (searched
 * 2026-12: a province that dissolved its Chi cục into a Phòng of the Sở in 2023, Hải Dương, and Bắc
 * Ninh's 2026–2030 metrology plan, 48/KH-UBND of 28/08/2025, led by its Sở KH&CN); the Sở is the
 * body that manages metrology in a province either way, so a 2026 record names it.
 */
export function authorityOn(region: string, at: number): string {
  const day = localDay(ZONE, at);
  const name = provinceNameOn(region, 'vi', day);
  if (day < REORGANISED) return `Chi cục Tiêu chuẩn Đo lường Chất lượng ${name}`;
  const p = provinceOf(region);
  const category = p?.successor && day >= p.successor.since ? p.successor.category : p?.category;
  const unit = /^Thành phố /.test(name) ? name : `${category === 'municipality' ? 'thành phố' : 'tỉnh'} ${name}`;
  return `Sở Khoa học và Công nghệ ${unit}`;
}

const FUEL_BASIS = 'Thông tư 15/2015/TT-BKHCN (đo lường, chất lượng trong kinh doanh xăng dầu)';
const PACKER_BASIS = 'Thông tư 21/2014/TT-BKHCN (đo lường đối với lượng của hàng đóng gói sẵn)';

interface FindingPlan {
  kind: FindingKind;
  device?: string;
  description: string;
  action?: string;
  answer?: { afterDays: number; text: string };
  close?: { afterDays: number; reason: string };
}

interface Visit {
  tenant: string;
  region: string;
  devices: DevicePlan[];
  legalBasis: string;
  /** Who received the team for the establishment (named on the record, above its signature). */
  representative: { name: string; position: string };
  /** The instrument whose seals are found broken. */
  brokenSeal?: string;
  findings: FindingPlan[];
  conclusion: string;
}

/**
 * The year's four inspections, oldest first: a fuel station, another fuel station where a
 * dispenser's seal is found broken (sealed off, released a week later), the packer, the first
 * station again. Each finding kind once or more: an observation closed, the dispenser's
 * sealed-off closed, a violation answered by the enterprise, an observation still open.
 */
function visits(fleet: ParsedFleet, plans: readonly DevicePlan[]): Visit[] {
  const region = (tenant: string) => fleet.tenants.find((t) => t.id === tenant)?.region ?? '';
  const ofType = (type: string) => [...new Set(plans.filter((p) => p.type === type).map((p) => p.tenant))];
  const [first, second = first] = ofType('fuel-dispenser');
  const packer = ofType('checkweigher')[0];
  if (!first) return [];
  const dispensers = (tenant: string) => plans.filter((p) => p.tenant === tenant && p.type === 'fuel-dispenser');
  const suspect = dispensers(second).find((p) => p.faults.some((f) => f.kind === 'totalizer-tamper')) ?? dispensers(second).at(-1)!;
  const station = (tenant: string, findings: FindingPlan[], site?: string): Visit => ({
    tenant,
    region: region(tenant),
    devices: dispensers(tenant).filter((p) => !site || p.registration.site === site),
    legalBasis: FUEL_BASIS,
    representative: { name: 'Nguyễn Thị Hoa', position: 'Cửa hàng trưởng' },
    findings,
    conclusion: 'Các cột đo được kiểm tra có sai số trong giới hạn cho phép khi bán hàng (±0,45 %).',
  });
  return [
    station(first, [
      {
        kind: 'observation',
        description: 'Cửa hàng chưa lập sổ theo dõi phương tiện đo và chứng chỉ kiểm định.',
        action: 'Lập sổ theo dõi trong 15 ngày.',
        answer: { afterDays: 9, text: 'Đã lập sổ theo dõi; gửi kèm bản chụp.' },
        close: { afterDays: 16, reason: 'Đã kiểm tra sổ theo dõi: đạt yêu cầu.' },
      },
    ]),
    {
      ...station(
        second,
        [
          {
            kind: 'sealed-off',
            device: suspect.id,
            description: 'Niêm phong bộ phận điều chỉnh của cột đo bị đứt.',
            action: 'Niêm phong cột đo, tạm dừng bán hàng đến khi được kiểm định lại.',
            answer: { afterDays: 3, text: 'Đã mời tổ chức kiểm định; cột đo được kiểm định lại và niêm phong mới.' },
            close: { afterDays: 7, reason: 'Cột đo đã được kiểm định lại đạt yêu cầu; gỡ niêm phong tạm dừng.' },
          },
        ],
        String(suspect.registration.site),
      ),
      brokenSeal: suspect.id,
      conclusion: 'Một cột đo có niêm phong bị đứt: niêm phong tạm dừng sử dụng, yêu cầu kiểm định lại.',
    },
    ...(packer
      ? [
          {
            tenant: packer,
            region: region(packer),
            devices: plans.filter((p) => p.tenant === packer && p.type === 'checkweigher'),
            legalBasis: PACKER_BASIS,
            representative: { name: 'Trần Văn Bình', position: 'Quản đốc phân xưởng đóng gói' },
            findings: [
              {
                kind: 'violation' as const,
                description: 'Nhãn hàng đóng gói sẵn ghi lượng danh định không đúng quy định (chiều cao chữ số nhỏ hơn 4 mm).',
                action: 'Sửa nhãn trong 30 ngày.',
                answer: { afterDays: 12, text: 'Đã in lại nhãn theo Thông tư 21/2014/TT-BKHCN; gửi kèm mẫu nhãn mới.' },
              },
            ],
            conclusion: 'Cân kiểm tra tự động đạt yêu cầu; nhãn hàng đóng gói sẵn phải sửa.',
          },
        ]
      : []),
    station(first, [{ kind: 'observation', description: 'Nhật ký kiểm tra định kỳ bằng bình chuẩn của cửa hàng chưa ghi đủ các lần trong quý.' }]),
  ];
}

/** The inspector's checks of an instrument: the in-trade test at Qmax with the 20 L measure, or a 500 g test load on a checkweigher. */
function checksOf(p: DevicePlan, rng: Rng, at: number): InspectionCheckInput[] {
  const ts = new Date(at).toISOString();
  // The indication as the display shows it (the gateway refuses one between steps): on the device's registered
  // resolution, else its e, else the profile's (dispenser 0.01 L; checkweigher 1 g, tt-cw-line1 registers e = 0.1 g).
  const step = (profileDefault: number) => Number(p.registration.resolution ?? p.registration.e ?? profileDefault);
  if (p.type === 'fuel-dispenser')
    return [
      {
        indicated: round(20 + rng.uniform(-0.03, 0.03), step(0.01)),
        reference: 20,
        referenceUncertainty: 0.004,
        unit: 'L',
        standardId: 'TDC-PM-20L-01',
        point: 'Qmax',
        ts,
      },
    ];
  if (p.type === 'checkweigher')
    return [
      {
        indicated: round(0.5 + rng.uniform(-0.0001, 0.0001), step(0.001)),
        reference: 0.5,
        referenceUncertainty: 0.0000025,
        unit: 'kg',
        standardId: 'TDC-QC-F2-01',
        point: 'Qn',
        ts,
      },
    ];
  return [];
}

const round = (x: number, step: number) => Number((Math.round(x / step) * step).toFixed(6));

/** Registers the authority's standards with a calibration chain over the year, and puts the inspections and the campaign on the agenda. */
export function planInspectorsYear(
  fleet: ParsedFleet,
  plans: readonly DevicePlan[],
  now: number,
  from: number,
  x: InspectorParts,
  agenda: Agenda,
  tally: InspectorTally,
): void {
  const standards = new ReferenceStandards(x.db, x.registry, x.alerts, x.profiles);
  for (const s of STANDARDS) {
    let issuedAt = dayStart(addCalendarMonths(from, -1));
    standards.create(s.standard, 'demo', new Date(issuedAt));
    for (; issuedAt <= now; issuedAt = dayStart(addCalendarMonths(issuedAt, 12))) {
      const validUntil = dayEnd(addCalendarMonths(issuedAt, 12));
      standards.addCertificate(
        s.standard.id,
        {
          number: `HC-${new Date(issuedAt).getUTCFullYear()}-${s.standard.id}`,
          issuedBy: 'VMI (Viện Đo lường Việt Nam)',
          issuedAt: new Date(issuedAt).toISOString(),
          validUntil: new Date(validUntil).toISOString(),
          uncertainty: s.uncertainty,
          traceableTo: s.traceableTo,
        },
        'demo',
        new Date(issuedAt),
      );
    }
  }
  const publishConfig = () => undefined; // no device is connected while the history is written
  const inspections = new InspectionService({
    store: new InspectionStore(x.db),
    registry: x.registry,
    assurance: x.assurance,
    audit: x.audit,
    profiles: x.profiles,
    publishConfig,
    now: agenda.now,
    standardOf: (id, tenant) => standards.standardOf(id, tenant),
  });
  const rng = createRng(deriveSeed(fleet.seed, 'history#inspections'));
  visits(fleet, plans).forEach((v, n, all) => {
    // one a quarter, the newest a month and a half before now
    const startedAt = hanoiTime(addCalendarMonths(now, -(3 * (all.length - 1 - n) + 1)) - 15 * DAY_MS, 8.5);
    agenda.at(startedAt, () => inspect(inspections, v, startedAt, rng, agenda, tally));
  });
  planCampaign(fleet, now, x, agenda, publishConfig, tally);
}

/** One inspection: opened, instruments examined 20 minutes apart, findings noted, closed; answers and closings later on the agenda. */
function inspect(svc: InspectionService<Db>, v: Visit, startedAt: number, rng: Rng, agenda: Agenda, tally: InspectorTally): void {
  const inspectors = INSPECTORS[v.region] ?? ['Kiểm tra viên Sở KH&CN'];
  const actor = `inspector:${inspectors[0]}:demo`;
  const province = provinceNameOn(v.region, 'vi', localDay(ZONE, startedAt));
  const site = String(v.devices[0]?.registration.site ?? '');
  const i = svc.open(
    {
      tenant: v.tenant,
      site,
      // the authority whose team inspects, as the demo's campaign names it; a made-up address
      authority: authorityOn(v.region, startedAt),
      siteAddress: `${site || 'Trụ sở'}, ${province} (địa chỉ mô phỏng)`,
      representative: v.representative,
      startedAt: new Date(startedAt).toISOString(),
      inspectors,
      legalBasis: v.legalBasis,
    },
    actor,
  );
  tally.inspections++;
  let t = startedAt;
  for (const d of v.devices) {
    t += 20 * 60_000;
    agenda.set(t);
    svc.recordItem(
      i.id,
      {
        device: d.id,
        checks: checksOf(d, rng, t),
        sealsIntact: d.id !== v.brokenSeal,
        verificationMarkValid: true,
        certificateValid: true,
        ...(d.type === 'fuel-dispenser' ? { priceDisplayCorrect: true } : {}),
      },
      actor,
    );
  }
  for (const f of v.findings) {
    t += 10 * 60_000;
    agenda.set(t);
    const finding = svc.addFinding(
      i.id,
      { kind: f.kind, description: f.description, ...(f.device ? { device: f.device } : {}), ...(f.action ? { action: f.action } : {}) },
      actor,
    );
    tally.findings++;
    if (f.answer) agenda.at(startedAt + f.answer.afterDays * DAY_MS, () => svc.answerFinding(finding.id, f.answer!.text, `operator:${v.tenant}`));
    if (f.close) agenda.at(startedAt + f.close.afterDays * DAY_MS, () => svc.closeFinding(finding.id, f.close!.reason, actor));
  }
  agenda.set(t + 30 * 60_000);
  svc.close(i.id, v.conclusion, actor);
}

/**
 * Real markets of the former Bắc Giang province (VN-BG, part of Bắc Ninh since 1 July 2025); a fleet
 * with market scales elsewhere gets no campaign. A market's `district` is where it is, as a
 * campaign of its day names it: its huyện before the 2025 reorganisation, its xã or phường since
 * (no huyện since then). The market towns' xã/phường of 2025, from the list of the new units
 * (public copies on GitHub of the "mã địa danh mới" list: 22111027 Xã Lạng Giang, which took in
 * thị trấn Vôi; 22121017 Phường Chũ, which took in the phường Chũ of thị xã Chũ, Lục Ngạn's before
 * 2025; 22109043 Xã Hiệp Hòa, which took in thị trấn Thắng).
 */
const MARKETS: Record<string, { name: string; before: string; since: string }[]> = {
  'VN-BG': [
    { name: 'Chợ Vôi', before: 'huyện Lạng Giang', since: 'xã Lạng Giang' },
    { name: 'Chợ Chũ', before: 'huyện Lục Ngạn', since: 'phường Chũ' },
    { name: 'Chợ Thắng', before: 'huyện Hiệp Hòa', since: 'xã Hiệp Hòa' },
  ],
};

/** The scales brought to each market's stand: [owner, class, Max kg, e kg, passes]. Spring-dial scales are class IIII. */
const SCALES: [string, string, number, number, boolean][][] = [
  [
    ['Nguyễn Thị Hoa', 'III', 30, 0.005, true],
    ['Trần Văn Bình', 'IIII', 30, 0.1, true],
    ['Lê Thị Mận', 'IIII', 5, 0.02, false],
    ['Phạm Văn Tư', 'III', 150, 0.05, true],
  ],
  [
    ['Đặng Thị Lý', 'III', 30, 0.005, true],
    ['Vũ Văn Hải', 'IIII', 60, 0.2, true],
    ['Bùi Thị Nga', 'IIII', 30, 0.1, false],
    ['Ngô Văn Sơn', 'III', 6, 0.002, true],
  ],
  [
    ['Hoàng Thị Yến', 'III', 30, 0.005, true],
    ['Dương Văn Khánh', 'IIII', 30, 0.1, true],
    ['Trịnh Thị Hằng', 'III', 15, 0.005, true],
    ['Lý Văn Quang', 'IIII', 10, 0.05, false],
  ],
];

/**
 * A three-day campaign in the middle of the last full quarter (the periodic report's default
 * period), in the province of the fleet's first enterprise with market scales: one market a day,
 * its scales verified 25 minutes apart.
 */
function planCampaign(fleet: ParsedFleet, now: number, x: InspectorParts, agenda: Agenda, publishConfig: () => void, tally: InspectorTally): void {
  const withScales = fleet.tenants.find((t) => fleet.devices.some((d) => d.tenant === t.id && d.type === 'scale'));
  const places = withScales && MARKETS[withScales.region];
  if (!withScales || !places) return;
  const svc = new CampaignService({
    store: new CampaignStore(x.db),
    registry: x.registry,
    audit: x.audit,
    profiles: x.profiles,
    publishConfig,
    now: agenda.now,
  });
  const quarter = previousQuarter(now, 'Asia/Ho_Chi_Minh');
  const firstDay = addCalendarMonths(Date.parse(`${quarter.from}T00:00:00+07:00`), 1) + 9 * DAY_MS;
  const day = (n: number) => new Date(firstDay + n * DAY_MS + 7 * 3_600_000).toISOString().slice(0, 10);
  const id = `KDLD-${withScales.region.slice(3)}-${day(0).slice(0, 7)}`;
  const reorganised = day(0) >= REORGANISED;
  const markets: Market[] = places.map((m) => ({ name: m.name, district: reorganised ? m.since : m.before }));
  const province = provinceNameOn(withScales.region, 'vi', day(0));
  const team = INSPECTORS[withScales.region] ?? ['Kiểm định viên Sở KH&CN'];
  const actor = `inspector:${team[0]}:demo`;
  agenda.at(firstDay - 20 * DAY_MS, () => {
    svc.plan(
      {
        id,
        name: `Kiểm định lưu động cân tại chợ, ${province}, ${day(0).slice(5, 7)}/${day(0).slice(0, 4)}`,
        region: withScales.region,
        markets,
        from: day(0),
        to: day(markets.length - 1),
        team,
        authority: authorityOn(withScales.region, firstDay),
      },
      actor,
    );
  });
  markets.forEach((market, m) => {
    (SCALES[m] ?? []).forEach(([owner, cls, max, e, passes], n) => {
      const at = hanoiTime(firstDay + m * DAY_MS, 8 + (25 * n) / 60);
      const serial = `${cls === 'IIII' ? 'NHL' : 'TE'}-${max}-${String(2300 + 37 * (4 * m + n)).padStart(5, '0')}`;
      agenda.at(at, () => {
        svc.verify(
          id,
          {
            market: market.name,
            owner: { name: owner },
            serial,
            type: 'scale',
            class: cls,
            max,
            e,
            result: passes ? 'pass' : 'fail',
            ...(passes ? { stampNumber: `${id}-${String(4 * m + n + 1).padStart(3, '0')}` } : {}),
            verifiedAt: new Date(at).toISOString(),
          },
          actor,
        );
        tally.verified++;
        if (passes) tally.passed++;
      });
    });
  });
}

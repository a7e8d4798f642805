"""The Tianjin model: 21 member units and 51 duties in six areas (DOMAIN.md).
Seed data, in the users' language."""

CITY_CENTER = ("TJ", "天津市司法裁判执行联动中心", "city", None)
DISTRICT_CENTERS = [
    ("TJ-HP", "和平区执行联动中心", "district", "TJ"),
    ("TJ-HX", "河西区执行联动中心", "district", "TJ"),
]

# code, name, short name, kind
AGENCIES = [
    ("PLC", "市委政法委", "政法委", "political_legal"),
    ("HPC", "市高级人民法院", "高院", "judicial"),
    ("PROC", "市人民检察院", "检察院", "judicial"),
    ("DRC", "市发展改革委", "发改委", "market"),
    ("EDU", "市教委", "教委", "social"),
    ("PSB", "市公安局", "公安局", "public_security"),
    ("CIVIL", "市民政局", "民政局", "social"),
    ("JUSTICE", "市司法局", "司法局", "judicial"),
    ("HRSS", "市人力资源和社会保障局", "人社局", "social"),
    ("PLAN", "市规划和自然资源局（不动产登记）", "规自局", "registry"),
    ("HOUSING", "市住房和城乡建设委", "住建委", "registry"),
    ("TRANSPORT", "市交通运输委", "交通委", "other"),
    ("CULTURE", "市文化和旅游局", "文旅局", "other"),
    ("MARKET", "市市场监管委", "市场监管委", "market"),
    ("SASAC", "市国资委", "国资委", "market"),
    ("FINANCE", "市财政局", "财政局", "finance_tax"),
    ("AGRI", "市农业农村委", "农业农村委", "other"),
    ("VEHICLE", "市公安交管局车辆管理所", "车管所", "public_security"),
    ("TAX", "国家税务总局天津市税务局", "税务局", "finance_tax"),
    ("HPF", "市住房公积金管理中心", "公积金中心", "finance_tax"),
    ("GRID", "市网格化管理中心", "网格中心", "social"),
]

Q, C, X = "query", "coordination", "complex"
# code, agency, area, default type, name
DUTIES = [
    ("L01", "PSB", "locate", Q, "查询被执行人户籍及身份信息"),
    ("L02", "PSB", "locate", Q, "查询被执行人出入境记录"),
    ("L03", "PSB", "locate", C, "协助查找下落不明的被执行人（查控）"),
    ("L04", "PSB", "locate", Q, "查询被执行人住宿及出行轨迹信息"),
    ("L05", "TRANSPORT", "locate", Q, "查询被执行人乘坐公共交通出行信息"),
    ("L06", "GRID", "locate", C, "网格员协助查找被执行人并实名反馈"),
    ("L07", "CIVIL", "locate", Q, "查询被执行人婚姻登记信息"),
    ("L08", "HRSS", "locate", Q, "查询被执行人社保缴纳及就业单位信息"),
    ("P01", "PLAN", "property", Q, "查询被执行人不动产登记信息"),
    ("P02", "PLAN", "property", C, "协助查封、解封不动产"),
    ("P03", "PLAN", "property", X, "调取不动产原始规划资料并出具意见"),
    ("P04", "VEHICLE", "property", Q, "查询被执行人名下机动车信息"),
    ("P05", "VEHICLE", "property", C, "协助查封、解封机动车"),
    ("P06", "VEHICLE", "property", C, "协助扣押被查封机动车（布控）"),
    ("P07", "HPF", "property", Q, "查询被执行人住房公积金缴存信息"),
    ("P08", "HPF", "property", C, "协助冻结、提取住房公积金"),
    ("P09", "TAX", "property", Q, "查询被执行人纳税及收入信息"),
    ("P10", "MARKET", "property", Q, "查询被执行人股权及企业登记信息"),
    ("P11", "MARKET", "property", C, "协助冻结、解冻股权"),
    ("P12", "HOUSING", "property", Q, "查询被执行人商品房网签备案信息"),
    ("P13", "HOUSING", "property", C, "协助限制涉案房屋网签备案"),
    ("P14", "SASAC", "property", Q, "查询国有企业被执行人资产信息"),
    ("P15", "AGRI", "property", Q, "查询农村土地承包经营权信息"),
    ("P16", "FINANCE", "property", Q, "查询被执行人财政资金往来信息"),
    ("P17", "HRSS", "property", Q, "查询被执行人工资发放信息"),
    ("R01", "DRC", "credit", C, "将失信被执行人纳入信用平台联合惩戒"),
    ("R02", "DRC", "credit", C, "限制失信被执行人参与招标投标"),
    ("R03", "EDU", "credit", C, "限制失信被执行人子女就读高收费私立学校"),
    ("R04", "CULTURE", "credit", C, "限制失信被执行人高消费旅游度假"),
    ("R05", "MARKET", "credit", C, "限制失信被执行人担任法定代表人及高管"),
    ("R06", "TRANSPORT", "credit", C, "限制失信被执行人乘坐飞机、高铁"),
    ("R07", "SASAC", "credit", X, "督促国有企业自动履行生效裁判"),
    ("R08", "FINANCE", "credit", C, "限制失信被执行人申请财政补贴"),
    ("D01", "PLAN", "disposal", C, "协助办理司法拍卖不动产过户登记"),
    ("D02", "TAX", "disposal", C, "协助核定司法拍卖涉税事项"),
    ("D03", "VEHICLE", "disposal", C, "协助办理司法拍卖机动车过户"),
    ("D04", "MARKET", "disposal", C, "协助办理股权过户变更登记"),
    ("D05", "HOUSING", "disposal", X, "协助涉执房屋腾退及安置"),
    ("D06", "AGRI", "disposal", X, "协助处置涉执农村集体资产"),
    ("D07", "CULTURE", "disposal", X, "协助鉴定处置涉执文物等特殊物品"),
    ("J01", "PSB", "refusal", C, "协助司法拘留人员收押"),
    ("J02", "PSB", "refusal", X, "受理拒不执行判决、裁定罪案件线索"),
    ("J03", "PROC", "refusal", X, "对拒执犯罪开展立案监督"),
    ("J04", "JUSTICE", "refusal", C, "协助律师调查令及执行和解调解"),
    ("J05", "PLC", "refusal", X, "协调重大疑难执行案件"),
    ("S01", "CIVIL", "relief", C, "困难申请执行人司法救助衔接"),
    ("S02", "JUSTICE", "relief", C, "为困难当事人提供法律援助"),
    ("S03", "HRSS", "relief", X, "协调解决涉农民工工资执行案件"),
    ("S04", "GRID", "relief", C, "网格化送达执行文书及执行宣传"),
    ("S05", "PLC", "relief", X, "执行工作源头治理政策研究"),
    ("S06", "HPC", "relief", C, "执行联动信息共享与案件会商"),
]

# code, name, level, parent code, center code
COURTS = [
    ("津", "天津市高级人民法院", "high", None, "TJ"),
    ("津01", "天津市第一中级人民法院", "intermediate", "津", "TJ"),
    ("津0101", "天津市和平区人民法院", "basic", "津01", "TJ-HP"),
    ("津0103", "天津市河西区人民法院", "basic", "津01", "TJ-HX"),
    ("津0105", "天津市河北区人民法院", "basic", "津01", "TJ"),
]

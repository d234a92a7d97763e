// The labels repeat sync/entities.py (tests/js/test_modules.py checks). Declared in groups: each `export const`
// more is 14 bytes of the first load.

export const KINDS = { home_visit: '上门家访', talk: '面对面谈心', remote: '电话或线上', group: '集体活动' },
  SIX_LINKS = {
    theme: '与主题教育结合',
    station: '与辅导站活动结合',
    peer: '与三好标兵评选结合',
    online: '与网上关工委结合',
    parents: '与家长学校结合',
    lessons: '与课程教学、兴趣活动结合',
  },
  RISK_LEVELS = { normal: '一般', watch: '关注', key: '重点' };
// 2041-03-01 → 2041年3月1日: a whole date, for a warning about the year as much as the day.
const fullDate = iso => iso.replace(/^(\d+)-0?(\d+)-0?(\d+)/, '$1年$2月$3日');
export const CATEGORIES = { psych: '心理行为问题', hardship: '家庭经济困难', left_behind: '留守/特殊家庭' },
  GENDERS = { male: '男', female: '女' },
  APPROACHES = { fuxin: '扶心扶志', zhuxue: '助学扶志', guanai: '关爱扶志' },
  REVIEW_STATUSES = { pending: '待审核', approved: '已通过', returned: '已退回' },
  MOODS = ['平稳', '开心', '低落', '焦虑', '烦躁', '沉默'],
  OBSERVATIONS = ['学习有进步', '作业完成好', '和家人关系好', '睡眠不好', '不愿上学', '沉迷手机'],
  PLACES = ['家中', '学校', '辅导站', '村委会'],
  DURATIONS = [15, 30, 45, 60, 90, 120];
// A self-harm flag the station has not handled yet, with or without the station's number after it.
const LOCKED = '这条提醒已经发给辅导站，要由辅导站处理，不能在手机上取消。如果是误标，请',
  // Words several messages share, said once (the app's every byte goes over 2G).
  EXPORT = '导出未同步记录',
  FULL = '手机存储空间不够，',
  CLEAN = '请清理手机里的照片、视频或微信缓存',
  // What a form the full phone refused asks of her, said once.
  STAY = '请不要关掉这一页；清理手机空间后点“保存”。',
  CLASH = '和别人的修改冲突',
  REFUSED = '没有被接收',
  // Where to look, as the sentence is shown: on 待同步 itself the item is just below it.
  LOOK = () => (location.hash == '#/waiting' ? '，见下面。' : '，请到“待同步”里看一下。'),
  UNSENT = n => `还有 ${n} 条没有同步或没有写完。请先`,
  GIVE = `点“${EXPORT}”，把文件交给辅导站，`;

export const T = {
  app: '伴行', deviceName: '伴行手机', mainPages: '主要页面', syncLabel: '同步',
  openFailed: '伴行打不开，请重启手机；还不行，请告诉辅导站：',
  monthDay: (m, d) => `${m}月${d}日`, year: y => `${y}年`, serverSaid: status => `服务器返回 ${status}`,
  badAnswer: '服务器的回答不完整，稍后会再试。', noAnswers: '服务器没有回答这批修改，稍后会再试。',
  noNetwork: '没有网络', serverError: '服务器暂时出错', exportFile: stamp => `伴行-未同步记录-${stamp}.json`,
  wechatPicture: '右上角 ··· → 在浏览器打开', back: '返回', home: '首页', waiting: '待同步', settings: '设置',
  save: '保存', yes: '是', no: '否',

  wechatTitle: '请用手机浏览器打开',
  wechatSay: '在微信里打开，记录可能会被微信清掉。请点右上角 ··· ，再点“在浏览器打开”。',
  wechatGoOn: '继续在微信里使用',

  enrolTitle: '登记这台手机', enrolSay: '请输入辅导站给您的登记码（8 位数字）。',
  enrolLinkSay: '登记码已经填好，请点“登记”。', code: '登记码', enrol: '登记', enrolling: '正在登记…',
  needsNetwork: '这一步要联网。请到有信号的地方再试。', codeFormat: name => `${name}是 8 位数字，请核对。`,
  setPinSay: '密码是 4 到 6 位数字，以后每次打开伴行都要输入，用来保护孩子的信息。请记住它。', pin1: '设置密码',
  pin2: '再次输入密码', ok: '确定', pinFormat: '密码应为 4 到 6 位数字。',
  pinMismatch: '两次输入的密码不一样，请重新输入。', settingUp: '正在加密保存…', unlockTitle: '请输入密码',
  pin: '密码', unlock: '解锁', unlocking: '正在解锁…', wrongPin: '密码不对。',
  waitSeconds: s => `请等 ${s} 秒再试。`,
  tooManyPins: n => `已经连续输错 ${n} 次。如果忘了密码，请点下面的“忘记密码”，再请辅导站给您一个恢复码。` +
    '您的记录仍加密保存在手机里，不会丢。',
  forgotPin: '忘记密码',

  recoverSay: id => `请打电话或去辅导站，说您忘了密码，并报出这台手机的编号：${id}。` +
    '工作人员会给您一个 8 位恢复码。输入恢复码后，可以设置新的密码，没有同步的记录都还在。',
  callStation: phone => `打电话给辅导站 ${phone}`,
  recoveryCode: '恢复码', recover: '恢复', recovering: '正在恢复…', newPinTitle: '设置新的密码',

  myMentees: '我的帮扶对象', noMentees: '还没有帮扶对象。', menteesComing: '联网同步后会显示辅导站为您安排的孩子。',
  // Her first sync, under way: the children are being fetched, not waiting on her. Said below those a page
  // brought already too (the heading counts them once the sync has ended): more may come.
  fetching: '正在从辅导站取回您的帮扶对象，请稍等…', retry: '有网络时请点上面的“立即同步”。',
  logVisit: '记一次帮扶', syncNow: '立即同步', unsynced: n => `未同步 ${n} 条`, allSynced: '已全部同步',
  lastSync: t => `上次同步 ${t}`, neverSynced: '还没有同步过', syncing: '正在同步…',
  offline: '没有网络：记录已保存在手机里，有信号时会自动同步。',
  serverDown: '暂时连不上辅导站的服务器，稍后会自动再试。',
  needsAttention: n => `有 ${n} 条修改${REFUSED + LOOK()}`,
  clockWrong: ({ server, phone }) =>
    `手机上的时间不对：上次同步时，北京时间是${fullDate(server)}，手机上却是${fullDate(phone)}。`
    + '请到手机的“设置”里改好日期、时间和时区；记帮扶时也请看看日期对不对。',
  conflictsOpen: n => `有 ${n} 条修改${CLASH + LOOK()}`,
  conflictHere: '这条记录有一处' + CLASH + '：下面是保留的内容，您写的内容在“待同步”里。',
  seeConflict: '看看我写的内容', followUps: '跟踪提醒', dueSoon: '即将到期',
  overdue: '已逾期', followUpOn: d => `应在 ${d} 跟踪`, returnedTitle: '辅导站退回的记录', returned: '已退回',
  resubmitted: '已修改，等待重新审核', draftContinue: '继续填写',
  draftWaiting: (id = 'activity:new') => '有一条没写完的'
    + (id == 'activity:new' ? '帮扶记录' : /^s/.test(id) ? '摸排' : '修改'),
  saved: '已保存。有网络时会自动同步。',
  // What a save came to once sent (sync.deliver): 'sent', 'conflict' or 'rejected'.
  delivered: got => (got == 'sent' ? '已保存。已同步到辅导站。'
    : `⚠ 已保存，但${(got == 'conflict' ? CLASH : REFUSED) + LOOK()}`),
  risk: label => `关注等级：${label}`,

  mentee: '帮扶对象', kind: '帮扶方式', date: '日期', duration: '时长', minutes: n => `${n} 分钟`,
  noDuration: '不填', place: '地点', preparation: '事前准备', record: '过程记录', followUp: '事后跟踪',
  followUpDue: '下次跟踪日期', inOneWeek: '一周后', inTwoWeeks: '两周后', inOneMonth: '一个月后', moods: '孩子的情绪',
  observations: '观察到的情况', sixLinks: '六结合', riskFlag: '发现自伤自残风险',
  riskSay: '辅导站会在下次同步时看到这条提醒。情况紧急，请马上打电话：',
  riskCall: phone => `拨打辅导站电话 ${phone}`, riskNoPhone: '情况紧急，请马上联系辅导站或拨打 110 / 120。',
  draftRestored: '已恢复上次没写完的内容。', draftChildGone: '这份没写完的记录写的孩子，已经不在您的名下了',
  draftChildGoneSay: '这个孩子的结对已结束或转走了。请不要把这些话改记到别的孩子名下。'
    + '要交给辅导站的，请到“待同步”里点“' + EXPORT + '”；不需要的，点下面的“清空重填”。',
  clearDraft: '清空重填', clearDraftConfirm: '再点一次，清空这张表',
  draftNotSaved: '⚠ ' + FULL + '这一页写的内容没能存进手机。' + STAY,
  saveFailedFull: FULL + '这条记录还没有保存，写的内容还在这一页上。' + CLEAN + '，再点“保存”。',
  saveFailed: '这条记录没有保存成功，写的内容还在这一页上。请再点一次“保存”。',
  storageFull: FULL + '同步没能做完。' + CLEAN + '。',
  pickMentee: '请先选择帮扶对象（在最上面）。', pickMenteeOption: '请选择是哪个孩子',
  staffPhone: '这是工作人员的账号。伴行手机应用供五老志愿者记录帮扶；辅导站的工作，'
    + '请在浏览器里打开辅导站网页处理。',
  riskLocked: LOCKED + '打电话告诉辅导站：', riskLockedNoPhone: LOCKED + '告诉辅导站。', pickDate: '请填写日期。',
  writeRecord: '请先写几句过程记录。',
  dueBeforeVisit: '下次跟踪日期不能早于这次帮扶的日期。',
  // A visit's mark on the home list: she corrects her own; an approved one, or another's, the station does.
  fixDate: (mine, what) => what && `日期不对，请${mine ? '打开修改' : '告诉辅导站更正'}：${what}`,
  beforePairing: d => `结对是${fullDate(d)}开始的，帮扶日期不能早于这一天。`, editActivity: '修改帮扶记录',
  fixRejected: '修改后重新发送', twice: ['今天已记过一次，', '同一次别重复记。'],

  activity: '帮扶记录', edit: '修改这条记录', returnedSay: '辅导站退回了这条记录，意见：',
  returnedFix: '请修改后保存，会重新交给辅导站审核。',
  approvedLocked: '已审核通过，已锁定，不能再修改。', askStation: '如需更正请联系辅导站。',
  notOnServer: '这条记录还没有同步到辅导站。', notSynced: '未同步', enteredByStation: '由辅导站代录',
  riskAction: '辅导站的处理',

  profile: '基本情况', plan: '一人一策', approach: '帮扶方式', goals: '帮扶目标', guardian: '监护人',
  guardianContact: '监护人联系方式', notes: '备注', editGuardian: '修改监护人和备注', call: '拨打',
  timeline: '帮扶记录和摸排', noTimeline: '还没有记录。', screening: '摸排', psychProblem: '存在心理问题',
  earlier: n => `显示更早的${n}条记录`,
  riskLevel: '关注等级', interventionSuccess: '成功干预疏导', needs: '需求', school: '学校', grade: '年级',
  gender: '性别', birthYear: '出生年份', categories: '类别', none: '（无）',

  waitingSay: '下面是还没有同步到辅导站的修改。有网络时会自动发送。', nothingWaiting: '没有待同步的修改。',
  exportUnsent: EXPORT, made: t => `记录于 ${t}`,
  exported: n => `已导出 ${n} 条。请把这个文件发给辅导站（微信发送或用数据线拷贝都行）。`,
  lastTry: t => '上次尝试 ' + t, notTried: '还没有发送过',
  rejectedTitle: REFUSED + '，需要修改', refused: REFUSED, conflictTitle: CLASH,
  conflictSay: '同一处内容别人先改过了，保留了先到的内容，您的内容已交给辅导站。', kept: '保留的内容：',
  yours: '您写的内容：', understood: '知道了', fix: '打开修改', discard: '放弃这条修改',
  discardConfirm: '再点一次，放弃这条修改',
  // In the server's sentence when it kept a refused visit's or 摸排's words for the station (sync/kept.py:
  // its child was deleted meanwhile): no edit or export mends it, and putting it away loses nothing.
  keptOnServer: '保存在服务器上',
  childGone: '这个孩子不在您的帮扶名单上了（结对已结束，或换了志愿者），这条记录不能再从手机发送。'
    + '请点下面的“' + EXPORT + '”，把文件交给辅导站。', reason: '原因：', newRecord: label => `新增${label}`,
  changedRecord: label => `修改${label}`,

  textSize: '字体大小', sizes: { std: '标准', lg: '大', xl: '特大' }, lockNow: '立即锁定', thisPhone: '这台手机',
  phoneId: id => `手机编号 ${id}`, storageKept: '浏览器已答应长期保存这些记录。',
  storageNotKept: '浏览器没有答应长期保存记录：请把伴行“添加到主屏幕”，并尽快同步。', logout: '退出登记',
  logoutSay: '退出后，这台手机上的记录会全部清除；再用要新的登记码。',
  logoutRefused: n => `${UNSENT(n)}联网同步，或者先“${EXPORT}”，再退出。`,

  cleared: '伴行的数据被清除了。',
  revokedTitle: '这台手机已被停用', reenrolTitle: '这台手机需要重新登记', inactiveTitle: '这个账号已停用',
  // `gone`: the site's data was cleared under the app; what memory did not hold (all of it at the PIN screen) is lost.
  // `inactive`: a stopped account; restored, its phone comes back by itself.
  revokedSay: (n, gone, inactive) => (inactive
    ? `账号恢复前，什么都不用做${n > 0 ? `：没有同步或没有写完的 ${n} 条都留在手机上` : ''}。`
      + '只有辅导站说账号不会恢复时，才' + (n > 0 ? GIVE + '再' : '')
    : n > 0 ? UNSENT(n) + GIVE + '然后'
    : gone ? '未同步的记录（如有）也已清除，找不回来。请' : '这台手机没有未同步的记录。请')
    + '清除这台手机上的数据。',
  wipe: '清除本机数据', wipeConfirm: '再点一次，清除这台手机上的伴行数据', inactive: '这个账号已停用，请联系辅导站。',

  olderTab: '请关掉另一个伴行页面', olderTabSay: '另一个页面里开着旧版本的伴行。关掉它，这一页就会打开。',
  newerTab: '伴行已经更新', newerTabSay: '另一个页面里打开了新版本的伴行。请点“重新打开”。',
  reopen: '重新打开', elsewhere: '伴行已经在另一个页面打开', useHere: '在这里使用',
  elsewhereSay: '同一时间只能在一个页面里用伴行。要在这里用，请点下面的按钮；'
    + '另一个页面会先保存写了一半的内容，再停下来。',
  // Shown by the tab that stopped holding words a full phone refused: the line above is untrue for them.
  notSavedHere: '⚠ ' + FULL + '没能存进手机的内容只在这一页里。点“在这里使用”，' + STAY,
};

export const ENTITY_LABELS = { mentee: T.mentee, activity: T.activity, screening: T.screening },

  FIELD_LABELS = {
    mentee: { guardian_name: T.guardian, guardian_contact: T.guardianContact, notes: T.notes },
    activity: {
      kind: T.kind, date: T.date, duration_min: '时长（分钟）', place: T.place, preparation: T.preparation,
      record: T.record, follow_up: T.followUp, follow_up_due: T.followUpDue, moods: '情绪', observations: '观察',
      tags: T.sixLinks, risk_flag: T.riskFlag, _deleted: '删除',
    },
    screening: {
      date: T.date, psych_problem: T.psychProblem, risk_level: T.riskLevel, intervention_success: T.interventionSuccess,
      needs: T.needs, notes: T.notes,
    },
  };
